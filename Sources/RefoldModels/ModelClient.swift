import Foundation
import RefoldCore

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

/// Sends request bodies to a provider endpoint.
public protocol ModelClient: Sendable {
  var provider: ModelSettings.Provider { get }
  /// Posts `body` and returns the provider's JSON answer.
  ///
  /// - Throws: ``ModelSourceError`` when the endpoint cannot be reached, times out, or keeps
  ///   failing after the retries the options allow.
  func send(_ body: JSONValue) async throws(ModelSourceError) -> ClientResult
}

/// A provider's answer with what it took to get it.
public struct ClientResult: Sendable, Hashable {
  public var body: JSONValue
  public var status: Int
  public var usage: TokenUsage?
  /// Time of the successful attempt, in milliseconds.
  public var latencyMilliseconds: Double
  /// Transport provenance, kept in the exchange's `meta`.
  ///
  /// Holds `status`, `attempts`, `total_ms`, and `transport_retries` (one entry per failed
  /// attempt: `attempt`, `reason`, `status`, `delay_ms`). These are HTTP retries, never tool
  /// errors.
  public var meta: JSONValue

  public init(
    body: JSONValue, status: Int, usage: TokenUsage?, latencyMilliseconds: Double, meta: JSONValue
  ) {
    self.body = body
    self.status = status
    self.usage = usage
    self.latencyMilliseconds = latencyMilliseconds
    self.meta = meta
  }
}
