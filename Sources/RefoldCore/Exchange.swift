/// One recorded model exchange: a cassette line.
///
/// `key` is the SHA-256 of the canonical request (the parts that decide the answer);
/// `n` counts occurrences of the same key (0 for the first), so identical requests replay
/// in recorded order. Secrets are never part of `request` or `meta`.
public struct Exchange: Sendable, Hashable, Codable {
  public var key: String
  public var n: Int
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
    case latencyMilliseconds = "latency_ms"
    case recordedAt = "recorded_at"
  }

  public init(
    key: String, n: Int, provider: String, request: JSONValue, response: JSONValue,
    latencyMilliseconds: Double? = nil, usage: TokenUsage? = nil, recordedAt: String,
    thread: String? = nil, meta: JSONValue? = nil
  ) {
    self.key = key
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
}

/// Where exchanges are kept: a JSONL cassette file or a table in the store.
public protocol CassetteStore: Sendable {
  /// The exchanges recorded for `key`, ordered by `n`.
  func exchanges(forKey key: String) throws -> [Exchange]
  /// The exchanges recorded for `key` as a replay needs them, ordered by `n`: a store may
  /// leave out their requests (`request` is then `null`) when that makes them cheaper to
  /// read.
  func answers(forKey key: String) throws -> [Exchange]
  /// Every exchange, in recorded order (for nearest-request search and export).
  func allExchanges() throws -> [Exchange]
  /// Adds an exchange; its `n` must be the number of exchanges already stored for its key.
  ///
  /// - Throws: when `n` is taken: existing recordings are never overwritten.
  func record(_ exchange: Exchange) throws
}

extension CassetteStore {
  /// The exchanges recorded for `key`, requests included.
  public func answers(forKey key: String) throws -> [Exchange] { try exchanges(forKey: key) }
}

/// Where evaluation runs are kept for trends, comparisons and re-rendering.
public protocol RunStore: Sendable {
  /// Stores a run with its per-decision verdicts; replaces nothing.
  func save(_ results: RunResults) throws
  /// The run with this id, or nil.
  func run(id: String) throws -> RunResults?
  /// Runs of a suite, oldest first, with their summaries (for trends).
  func runs(suite: String) throws -> [RunRecord]
}

/// One stored run, without its cases.
public struct RunRecord: Sendable, Hashable, Codable {
  public var info: RunInfo
  public var summary: RunSummary

  public init(info: RunInfo, summary: RunSummary) {
    self.info = info
    self.summary = summary
  }
}
