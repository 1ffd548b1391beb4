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
  /// The canonical body's bytes as they were hashed, when the builder kept them: a
  /// cassette checks a recorded request against them instead of hashing it.
  let canonicalBody: RequestBody

  public init(
    provider: ModelSettings.Provider, body: JSONValue, thread: String? = nil,
    renderedContext: String = ""
  ) {
    self.provider = provider
    self.body = body
    self.thread = thread
    self.renderedContext = renderedContext
    self.key = CassetteKey.key(for: body)
    canonicalBody = .unknown
  }

  /// A request whose key was computed along with its body; `key` must be
  /// `CassetteKey.key(for: body)`.
  init(
    provider: ModelSettings.Provider, body: JSONValue, key: String, thread: String?,
    renderedContext: String, canonicalBody: RequestBody = .unknown
  ) {
    self.provider = provider
    self.body = body
    self.thread = thread
    self.renderedContext = renderedContext
    self.key = key
    self.canonicalBody = canonicalBody
  }
}
