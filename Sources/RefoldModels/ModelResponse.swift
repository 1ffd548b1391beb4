import RefoldCore

/// What a model source answered.
public struct ModelResponse: Sendable, Hashable {
  /// The provider's raw response body.
  public var body: JSONValue
  /// The cassette key of the request.
  public var key: String
  /// The occurrence of the key this answer was recorded as (0 for the first).
  public var n: Int
  public var usage: TokenUsage?
  /// Wall time of the call, as measured when it was made (also when replayed).
  public var latencyMilliseconds: Double?
  /// Provenance: transport retries, HTTP status, whether it was replayed.
  public var meta: JSONValue?

  public init(
    body: JSONValue, key: String, n: Int = 0, usage: TokenUsage? = nil,
    latencyMilliseconds: Double? = nil, meta: JSONValue? = nil
  ) {
    self.body = body
    self.key = key
    self.n = n
    self.usage = usage
    self.latencyMilliseconds = latencyMilliseconds
    self.meta = meta
  }
}
