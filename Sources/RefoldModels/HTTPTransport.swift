import Foundation

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

/// Sends one HTTP request and hands back the answer: the one seam between Refold and the
/// network.
///
/// The provider clients and the recording proxy send through it; ``URLSessionTransport`` is
/// the real one. Retries, backoff and timeouts are not the transport's: they run on the
/// ``Dependencies/clock`` of whoever sends.
public protocol HTTPTransport: Sendable {
  /// The body and response of `request`.
  ///
  /// - Throws: `URLError` when the host cannot be reached or the connection fails, and
  ///   `CancellationError` (or `URLError.cancelled`) when the calling task is cancelled.
  ///   A non-2xx status is an answer, not an error.
  func send(_ request: URLRequest) async throws -> (Data, HTTPURLResponse)
}
