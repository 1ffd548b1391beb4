import Foundation
import RefoldCore

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

/// What Refold's code reads the time from, sleeps on and sends HTTP through.
///
/// The command layer builds the real one (``live``) once per command and passes it down:
/// retries, backoff, `Retry-After` and timeouts wait on ``clock``; recorded timestamps come
/// from ``now``; provider clients and the proxy send through ``transport``. Tests pass a
/// clock that moves only when the test advances it, so no test waits for a timeout.
///
/// ```swift
/// let client = OpenAIChatClient(apiKey: key, dependencies: .live)
/// ```
public struct Dependencies: Sendable {
  /// The clock that attempts are timed out, backed off and measured on.
  public var clock: any Clock<Duration>
  /// The wall time, for timestamps that are written down.
  public var now: @Sendable () -> Date
  /// How HTTP requests are sent.
  public var transport: any HTTPTransport

  public init(
    clock: any Clock<Duration>, now: @escaping @Sendable () -> Date,
    transport: any HTTPTransport
  ) {
    self.clock = clock
    self.now = now
    self.transport = transport
  }

  /// The real clock, wall time and network.
  public static let live = Dependencies(
    clock: ContinuousClock(), now: { Date() }, transport: URLSessionTransport())

  /// ``now`` as RFC 3339 with milliseconds (`2025-05-01T09:00:00.000Z`), as events record it.
  public func timestamp() -> String { AgentLoop.timestamp(now()) }

  /// Starts measuring on ``clock``: the function returned gives the time elapsed since.
  public func stopwatch() -> @Sendable () -> Duration { clock.elapsedSinceNow() }

  /// Waits `seconds` on ``clock``.
  ///
  /// - Throws: `CancellationError` when the calling task is cancelled.
  public func sleep(seconds: Double) async throws {
    try await clock.sleep(for: .seconds(seconds))
  }

  /// Sends `request` through ``transport``, giving up after `timeout` seconds on ``clock``.
  ///
  /// - Throws: `URLError(.timedOut)` when the time ran out first (the request is cancelled);
  ///   otherwise what the transport throws.
  public func send(_ request: URLRequest, timeout: Double) async throws -> (
    Data, HTTPURLResponse
  ) {
    let transport = transport
    let answer = try await withThrowingTaskGroup(of: (Data, HTTPURLResponse)?.self) { group in
      group.addTask { try await transport.send(request) }
      group.addTask {
        try await sleep(seconds: timeout)
        return nil
      }
      defer { group.cancelAll() }
      return try await group.next() ?? nil
    }
    guard let answer else { throw URLError(.timedOut) }
    return answer
  }
}

extension Clock where Duration == Swift.Duration {
  /// The time elapsed on this clock since the call, each time the function returned is called.
  fileprivate func elapsedSinceNow() -> @Sendable () -> Swift.Duration {
    let start = now
    return { start.duration(to: self.now) }
  }
}
