import RefoldCore

/// One recorded model exchange: a cassette line.
///
/// `key` is the SHA-256 of the canonical request (the parts that decide the answer);
/// `n` counts occurrences of the same key (0 for the first), so identical requests replay
/// in recorded order. `keyScheme` says how `key` was computed (1: lines written before key
/// scheme 2, which carry no `key_scheme`). Secrets are never part of `request` or `meta`.
public struct Exchange: Sendable, Hashable, Codable {
  public var key: String
  public var n: Int
  /// The cassette key scheme `key` was computed with.
  public var keyScheme: Int
  /// `openai` or `anthropic`.
  public var provider: String
  /// The canonical request body.
  public var request: JSONValue
  /// The provider's raw response body.
  public var response: JSONValue
  public var latencyMilliseconds: Double?
  public var usage: TokenUsage?
  public var recordedAt: String
  /// The thread this exchange was asked for, when known (used to find the nearest request
  /// on a cassette miss).
  public var thread: String?
  /// Provenance: transport retries, HTTP status, the endpoint's model name.
  public var meta: JSONValue?

  enum CodingKeys: String, CodingKey {
    case key, n, provider, request, response, usage, thread, meta
    case keyScheme = "key_scheme"
    case latencyMilliseconds = "latency_ms"
    case recordedAt = "recorded_at"
  }

  public init(
    key: String, n: Int, provider: String, request: JSONValue, response: JSONValue,
    latencyMilliseconds: Double? = nil, usage: TokenUsage? = nil, recordedAt: String,
    thread: String? = nil, meta: JSONValue? = nil, keyScheme: Int = 2
  ) {
    self.key = key
    self.keyScheme = keyScheme
    self.n = n
    self.provider = provider
    self.request = request
    self.response = response
    self.latencyMilliseconds = latencyMilliseconds
    self.usage = usage
    self.recordedAt = recordedAt
    self.thread = thread
    self.meta = meta
  }

  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    key = try container.decode(String.self, forKey: .key)
    n = try container.decode(Int.self, forKey: .n)
    keyScheme = try container.decodeIfPresent(Int.self, forKey: .keyScheme) ?? 1
    provider = try container.decode(String.self, forKey: .provider)
    request = try container.decode(JSONValue.self, forKey: .request)
    response = try container.decode(JSONValue.self, forKey: .response)
    latencyMilliseconds = try container.decodeIfPresent(Double.self, forKey: .latencyMilliseconds)
    usage = try container.decodeIfPresent(TokenUsage.self, forKey: .usage)
    recordedAt = try container.decode(String.self, forKey: .recordedAt)
    thread = try container.decodeIfPresent(String.self, forKey: .thread)
    meta = try container.decodeIfPresent(JSONValue.self, forKey: .meta)
  }
}
