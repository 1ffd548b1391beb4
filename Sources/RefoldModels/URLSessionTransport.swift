import Foundation
import Synchronization

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

/// The real ``HTTPTransport``: one ephemeral `URLSession`, no cookies, no cache.
///
/// Cancelling the calling task cancels the request. The session's own timeout is only a
/// backstop (`backstopTimeout`): callers time attempts out on their clock.
public struct URLSessionTransport: HTTPTransport {
  private let owner: SessionOwner

  /// A transport whose session gives up on a silent connection after `backstopTimeout`
  /// seconds.
  public init(backstopTimeout: Double = 3600) {
    let configuration = URLSessionConfiguration.ephemeral
    configuration.timeoutIntervalForRequest = backstopTimeout
    configuration.timeoutIntervalForResource = backstopTimeout
    configuration.httpCookieStorage = nil
    configuration.urlCache = nil
    // As many connections to one endpoint as requests in flight (`--concurrency`): the
    // default (6) would queue the rest behind them.
    configuration.httpMaximumConnectionsPerHost = 256
    owner = SessionOwner(URLSession(configuration: configuration))
  }

  public func send(_ request: URLRequest) async throws -> (Data, HTTPURLResponse) {
    let (data, response) = try await owner.session.dataAndResponse(for: request)
    guard let http = response as? HTTPURLResponse else { throw URLError(.badServerResponse) }
    return (data, http)
  }
}

/// Owns a transport's URL session and invalidates it when the last copy of the transport
/// goes.
///
/// `URLSession` is thread-safe; the owner only holds it, so sharing it across tasks is safe.
final class SessionOwner: Sendable {
  let session: URLSession

  init(_ session: URLSession) { self.session = session }

  deinit { session.finishTasksAndInvalidate() }
}

extension URLSession {
  /// The body and response of one request, through a data task that is cancelled with the
  /// calling task (the async `data(for:)` of FoundationNetworking is missing on older
  /// toolchains).
  public func dataAndResponse(for request: URLRequest) async throws -> (Data, URLResponse) {
    let running = RunningTask()
    return try await withTaskCancellationHandler {
      try await withCheckedThrowingContinuation { continuation in
        let task = dataTask(with: request) { data, response, error in
          if let error {
            continuation.resume(throwing: error)
          } else if let response {
            continuation.resume(returning: (data ?? Data(), response))
          } else {
            continuation.resume(throwing: URLError(.badServerResponse))
          }
        }
        running.start(task)
      }
    } onCancel: {
      running.cancel()
    }
  }
}

/// A data task that may be cancelled before or after it starts.
///
/// The task is stored and read under the lock, so the cancellation handler may run on any
/// thread, before the task starts or after.
private final class RunningTask: Sendable {
  private let state = Mutex<(task: URLSessionDataTask?, cancelled: Bool)>((nil, false))

  func start(_ task: URLSessionDataTask) {
    let cancelled = state.withLock { state in
      state.task = task
      return state.cancelled
    }
    task.resume()
    if cancelled { task.cancel() }
  }

  func cancel() {
    let task = state.withLock { state in
      state.cancelled = true
      return state.task
    }
    task?.cancel()
  }
}
