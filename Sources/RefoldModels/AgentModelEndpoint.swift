import RefoldCore

/// The model endpoint an external agent's own model calls go to during a run: an OpenAI-
/// and Anthropic-compatible server on 127.0.0.1 that answers from the variant's cassette
/// (`--model recorded`), or forwards to the upstream and records (`record`) or only
/// forwards (`live`).
///
/// An ``ExternalAgentDecider`` opens one slot per agent process (one per decision for an
/// HTTP agent); the slot's URL is what the agent is pointed at, so every exchange on it
/// belongs to the decision in flight there. RefoldServer's `ModelEndpoint` is the real one;
/// the CLI hands it to the evaluation.
///
/// ```swift
/// let slot = try await endpoint.openSlot()          // slot.environment["OPENAI_BASE_URL"]
/// endpoint.begin(slot: slot.id, thread: "t-1", step: 2, session: 7)
/// // … the agent answers, calling the model on slot.url …
/// let calls = endpoint.finish(slot: slot.id)        // calls.exchanges, calls.failure
/// ```
public protocol AgentModelEndpoint: Sendable {
  /// A new slot, listening once this returns.
  ///
  /// - Throws: when the endpoint cannot listen (an environment failure).
  func openSlot() async throws -> AgentModelSlot

  /// Ties the calls made on `slot` from now on to the decision at `step` of `thread`;
  /// identical requests of one `session` (one replay) are answered in recorded order.
  func begin(slot: String, thread: String, step: Int, session: Int)

  /// Ends the decision in flight on `slot` and returns the calls the agent made for it.
  func finish(slot: String) -> AgentModelCalls

  /// Forgets `slot` (its process stopped).
  func closeSlot(_ slot: String)
}

/// One slot of an ``AgentModelEndpoint``: its id, its root URL and the variables a command
/// agent started for it gets.
public struct AgentModelSlot: Sendable, Hashable {
  public var id: String
  /// `http://127.0.0.1:PORT/slots/ID`; `/v1/chat/completions`, `/v1/messages` and
  /// `/v1/models` below it.
  public var url: String
  /// Variables a command agent gets only when its environment lacks them: with
  /// `--model recorded`, placeholder API keys, so that an SDK that insists on a key starts
  /// (no call leaves 127.0.0.1, and the key is sent nowhere).
  public var defaults: [String: String]

  public init(id: String, url: String, defaults: [String: String] = [:]) {
    self.id = id
    self.url = url
    self.defaults = defaults
  }

  /// `OPENAI_BASE_URL` (ending in `/v1`), `ANTHROPIC_BASE_URL` and `REFOLD_MODEL_URL`.
  public var environment: [String: String] {
    ["OPENAI_BASE_URL": url + "/v1", "ANTHROPIC_BASE_URL": url, "REFOLD_MODEL_URL": url]
  }
}

/// The model calls an agent made for one decision.
public struct AgentModelCalls: Sendable, Hashable {
  /// One object per call, in order: `provider`, `status`, `key`, `n` (for answered calls),
  /// the canonical `request`, the `response` the agent got, and `error` for a call the
  /// endpoint could not answer.
  public var exchanges: [JSONValue]
  /// The first call the endpoint could not answer (a cassette miss, an unreachable
  /// upstream): the decision is a source error with this error, whatever the agent did.
  public var failure: ModelSourceError?
  /// The tokens the answered calls spent, summed.
  public var usage: TokenUsage?

  public init(
    exchanges: [JSONValue] = [], failure: ModelSourceError? = nil, usage: TokenUsage? = nil
  ) {
    self.exchanges = exchanges
    self.failure = failure
    self.usage = usage
  }

  /// The key of the last answered call.
  public var lastKey: String? {
    exchanges.last { $0["key"]?.stringValue != nil && $0["error"] == nil }?["key"]?.stringValue
  }
}
