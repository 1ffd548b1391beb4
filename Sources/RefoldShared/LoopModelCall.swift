import RefoldCore

/// One model call of a closed-loop run: what the model saw, what it answered and what the
/// run made of it (`behaviour.model_calls[k]` in `results.json`).
///
/// A loop run asks the model once per decision; each call is listed in order, with the
/// event its answer became (an intent, or an `error` for output that was not one). The
/// rendered context and the raw response are kept under the same rule as a case's own
/// (`context`, `raw_response`: by default for runs that did not pass), and only while the
/// run's calls stay within ``LoopModelCall/maxDetailBytes``; past it a call says `omitted`.
/// For an external agent the context is the `refold.next-step/v1` request and the raw
/// response holds the agent's answer with its own model calls (`model_calls`).
public struct LoopModelCall: Sendable, Hashable, Codable {
  /// Most bytes of contexts and raw responses kept for the calls of one loop run.
  public static let maxDetailBytes = 262_144

  /// The call's place among the run's model calls (0-based).
  public var step: Int
  /// The `seq` of the event the answer became.
  public var seq: Int
  /// The intent the model chose, when its output was one.
  public var intent: Intent?
  /// Why the output was not a valid intent (the `error` event's message).
  public var failure: String?
  /// After an error: `corrected_retry`, `identical_retry`, `gave_up` or `escalated`.
  public var retryBehaviour: String?
  /// True when the call retried although the errors had reached the error cap.
  public var overRetry: Bool?
  /// True when the call handed over to a human, or the runtime escalated right after it.
  public var escalation: Bool?
  public var exchangeKey: String?
  public var usage: TokenUsage?
  public var latencyMilliseconds: Double?
  /// The rendered prompt and context the model saw.
  public var context: String?
  /// The provider's raw response (an external agent's answer with its `model_calls`).
  public var rawResponse: JSONValue?
  /// True when the context and raw response were left out to keep the run within
  /// ``maxDetailBytes``.
  public var omitted: Bool?

  enum CodingKeys: String, CodingKey {
    case step, seq, intent, failure, escalation, usage, context, omitted
    case retryBehaviour = "retry_behaviour"
    case overRetry = "over_retry"
    case exchangeKey = "exchange_key"
    case latencyMilliseconds = "latency_ms"
    case rawResponse = "raw_response"
  }

  public init(
    step: Int, seq: Int, intent: Intent? = nil, failure: String? = nil,
    retryBehaviour: String? = nil, overRetry: Bool? = nil, escalation: Bool? = nil,
    exchangeKey: String? = nil, usage: TokenUsage? = nil, latencyMilliseconds: Double? = nil,
    context: String? = nil, rawResponse: JSONValue? = nil, omitted: Bool? = nil
  ) {
    self.step = step
    self.seq = seq
    self.intent = intent
    self.failure = failure
    self.retryBehaviour = retryBehaviour
    self.overRetry = overRetry
    self.escalation = escalation
    self.exchangeKey = exchangeKey
    self.usage = usage
    self.latencyMilliseconds = latencyMilliseconds
    self.context = context
    self.rawResponse = rawResponse
    self.omitted = omitted
  }
}
