/// Decides the next intent for a thread: the model behind a prompt, a context format and a
/// model source.
///
/// `RefoldModels.ModelDecider` is the real one (render → request → model source → decode);
/// tests use scripted deciders. The core's agent loop only sees this protocol.
public protocol Decider: Sendable {
  /// Asks for the next decision given the thread so far.
  ///
  /// - Throws: only when the model source itself failed (unreachable, cassette miss).
  ///   Output that cannot be decoded into a valid intent is not thrown: it comes back as
  ///   ``Decision/Outcome/failure(_:)`` and becomes an `error` event.
  func decide(thread: String, events: [Event]) async throws -> Decision

  /// A decider for one independent replay (one thread in one mode).
  ///
  /// Recorded sources answer identical requests in recorded order; a session restarts that
  /// order, so that the step replay and the loop replay of a thread, or two threads that
  /// open with the same message, each get the first recorded answer. Deciders without such
  /// state return themselves.
  func session() -> any Decider

  /// Waits for what the decider opened in the background (a cassette whose file is still
  /// being read) and throws what went wrong there; called once a replay is over, so that
  /// such a failure fails the evaluation rather than only the decisions it reached.
  func finishOpening() throws
}

extension Decider {
  public func session() -> any Decider { self }
  public func finishOpening() throws {}
}

/// One decision, with what it took to get it.
public struct Decision: Sendable, Hashable {
  public enum Outcome: Sendable, Hashable {
    case intent(Intent)
    /// The output was not a valid intent; the message is compact, for an `error` event.
    case failure(String)
  }

  public var outcome: Outcome
  /// The cassette key of the exchange, for the decision event's `meta`.
  public var exchangeKey: String?
  public var usage: TokenUsage?
  public var latencyMilliseconds: Double?
  /// What the model saw (rendered prompt and context), for reports.
  public var renderedContext: String?
  /// The provider's raw response, for reports.
  public var rawResponse: JSONValue?

  public init(
    outcome: Outcome, exchangeKey: String? = nil, usage: TokenUsage? = nil,
    latencyMilliseconds: Double? = nil, renderedContext: String? = nil,
    rawResponse: JSONValue? = nil
  ) {
    self.outcome = outcome
    self.exchangeKey = exchangeKey
    self.usage = usage
    self.latencyMilliseconds = latencyMilliseconds
    self.renderedContext = renderedContext
    self.rawResponse = rawResponse
  }
}

/// Tokens spent on one exchange, as the provider reported them.
public struct TokenUsage: Sendable, Hashable, Codable {
  public var inputTokens: Int
  public var outputTokens: Int

  enum CodingKeys: String, CodingKey {
    case inputTokens = "input_tokens"
    case outputTokens = "output_tokens"
  }

  public init(inputTokens: Int, outputTokens: Int) {
    self.inputTokens = inputTokens
    self.outputTokens = outputTokens
  }
}

/// Runs a sync intent's tool: a command, an HTTP call, or the simulator in loop replay.
public protocol ToolRunner: Sendable {
  /// Runs the tool for `intent` on `thread`.
  ///
  /// - Throws: only when the runner itself cannot go on (a divergence in replay, a
  ///   misconfigured command). A tool that ran and failed returns ``ToolOutcome/failure(_:)``,
  ///   which becomes an `error` event and counts toward the error cap.
  func run(_ intent: Intent, thread: String, events: [Event]) async throws -> ToolOutcome
}

/// What a tool produced.
public enum ToolOutcome: Sendable, Hashable {
  /// A result, written as a `<intent>_result` event.
  case success(JSONValue)
  /// A result written as an event of the given type: a replayed recording's own result type
  /// (`tool_response`), so the context is the one the recording holds.
  case recorded(type: String, data: JSONValue)
  case failure(String)
}
