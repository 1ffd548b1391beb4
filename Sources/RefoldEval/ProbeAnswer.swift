import RefoldCore
import RefoldShared

/// What a decider answered at a decision point, scored against the recorded decision.
public struct ProbeAnswer: Sendable, Hashable {
  public var decision: Decision
  /// The answer scored as step replay scores it: verdict, parameter diff, exchange key.
  public var scored: CaseResult

  public init(decision: Decision, scored: CaseResult) {
    self.decision = decision
    self.scored = scored
  }

  /// The decision in one line: `deploy_backend {"environment":"prod","tag":"v1"}`, or
  /// `invalid output: …`; two answers are the same decision when their labels are equal.
  public var label: String {
    if let actual = scored.actual { return ProbeAnswer.label(actual) }
    return "invalid output: \(scored.failure ?? "")"
  }

  /// An intent in one line, parameters as canonical JSON.
  public static func label(_ intent: Intent) -> String {
    "\(intent.name) \(intent.parameters.canonicalString)"
  }
}
