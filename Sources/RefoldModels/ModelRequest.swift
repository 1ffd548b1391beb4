import RefoldCore

/// One request to a model: the provider's wire body, and what it was built from.
///
/// The body holds only the parts that decide the answer (model, messages or system and
/// prompt, tools, tool choice, response format, sampling parameters), so it is also the
/// canonical request that ``CassetteKey`` hashes and cassettes store. No secret is ever
/// part of it: credentials are added by the clients, as headers.
public struct ModelRequest: Sendable, Hashable {
  public var provider: ModelSettings.Provider
  /// The request body, as sent (`POST /chat/completions` or `POST /messages`).
  public var body: JSONValue
  /// The thread the request was made for (diagnostics and nearest-request search).
  public var thread: String?
  /// What the model was shown, readable (for reports).
  public var renderedContext: String
  /// The cassette key: SHA-256 of the canonical body.
  public let key: String

  public init(
    provider: ModelSettings.Provider, body: JSONValue, thread: String? = nil,
    renderedContext: String = ""
  ) {
    self.provider = provider
    self.body = body
    self.thread = thread
    self.renderedContext = renderedContext
    self.key = CassetteKey.key(for: body)
  }
}

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
