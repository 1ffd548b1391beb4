import Foundation
import RefoldCore

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

/// Timeout, concurrency and retry settings of a client.
public struct ClientOptions: Sendable, Hashable {
  /// Seconds to wait for one attempt's answer.
  public var timeout: Double
  /// Requests in flight at once, per client.
  public var maxConcurrentRequests: Int
  public var retry: RetryPolicy

  public init(timeout: Double = 120, maxConcurrentRequests: Int = 4, retry: RetryPolicy = .init()) {
    self.timeout = timeout
    self.maxConcurrentRequests = max(1, maxConcurrentRequests)
    self.retry = retry
  }
}
