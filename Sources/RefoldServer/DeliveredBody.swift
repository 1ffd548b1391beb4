import FlyingFox
import FlyingSocks
import Foundation
import Synchronization

/// A response body that reports whether it reached the client's connection.
///
/// The server writes the response head, then the body; it asks for the next piece only
/// after the previous one was written without error. So when it asks past the end, the
/// whole body was handed to the client's connection: `onDelivered` runs once. When the client
/// has gone (it timed out and closed the connection), a write fails, the server stops asking,
/// and `onAbandoned` runs once the body is released instead.
struct DeliveredBody: AsyncBufferedSequence, Sendable {
  typealias Element = UInt8

  /// Runs exactly one of the two outcomes.
  final class Outcome: Sendable {
    private let delivered: @Sendable () -> Void
    private let abandoned: @Sendable () -> Void
    private let settled = Mutex(false)

    init(
      delivered: @escaping @Sendable () -> Void, abandoned: @escaping @Sendable () -> Void
    ) {
      self.delivered = delivered
      self.abandoned = abandoned
    }

    func deliver() {
      let first = settled.withLock { settled in
        defer { settled = true }
        return !settled
      }
      if first { delivered() }
    }

    deinit {
      if !settled.withLock({ $0 }) { abandoned() }
    }
  }

  let bytes: Data
  let outcome: Outcome

  /// The response body `bytes`, with what to do once it was or was not delivered.
  static func response(
    status: HTTPStatusCode, headers: HTTPHeaders, bytes: Data,
    delivered: @escaping @Sendable () -> Void, abandoned: @escaping @Sendable () -> Void
  ) -> HTTPResponse {
    let body = DeliveredBody(
      bytes: bytes, outcome: Outcome(delivered: delivered, abandoned: abandoned))
    return HTTPResponse(
      statusCode: status, headers: headers,
      body: HTTPBodySequence(from: body, count: bytes.count, suggestedBufferSize: bytes.count + 1))
  }

  func makeAsyncIterator() -> Iterator { Iterator(bytes: bytes, outcome: outcome) }

  /// Hands out the body in one buffer, then reports delivery when asked again.
  struct Iterator: AsyncBufferedIteratorProtocol {
    var bytes: Data?
    let outcome: Outcome

    init(bytes: Data, outcome: Outcome) {
      self.bytes = bytes
      self.outcome = outcome
    }

    mutating func next() async throws -> UInt8? {
      guard var remaining = bytes, !remaining.isEmpty else {
        finish()
        return nil
      }
      let first = remaining.removeFirst()
      bytes = remaining
      return first
    }

    mutating func nextBuffer(suggested count: Int) async throws -> [UInt8]? {
      guard let remaining = bytes, !remaining.isEmpty else {
        finish()
        return nil
      }
      bytes = Data()
      return [UInt8](remaining)
    }

    private mutating func finish() {
      bytes = nil
      outcome.deliver()
    }
  }
}
