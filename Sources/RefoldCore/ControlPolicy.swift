/// The owned control-flow rules of an agent: the error cap, how to escalate, the step budget.
public struct ControlPolicy: Sendable, Hashable, Codable {
  /// Who asks for a human when consecutive errors reach the cap.
  public enum Escalation: String, Sendable, Hashable, Codable {
    /// The runtime appends a `request_human_input` decision with `meta.escalation: true`.
    case deterministic
    /// The model is told the cap is reached and is expected to escalate itself.
    case model
  }

  /// Consecutive errors that trigger escalation (factor 9).
  public var errorCap: Int
  /// Count consecutive errors per intent rather than across the thread.
  public var countsErrorsPerIntent: Bool
  public var escalation: Escalation
  /// Decisions allowed before a run ends with `step_limit` (factor 10).
  public var stepBudget: Int
  /// The intent the runtime appends when it escalates deterministically.
  public var escalationIntent: String

  public init(
    errorCap: Int = 3, countsErrorsPerIntent: Bool = false, escalation: Escalation = .deterministic,
    stepBudget: Int = 20, escalationIntent: String = "request_human_input"
  ) {
    self.errorCap = errorCap
    self.countsErrorsPerIntent = countsErrorsPerIntent
    self.escalation = escalation
    self.stepBudget = stepBudget
    self.escalationIntent = escalationIntent
  }

  public static let `default` = ControlPolicy()
}

extension ControlPolicy {
  /// The error streak the cap is measured against: the consecutive errors across the
  /// thread, or when the policy counts per intent the longest streak of one intent.
  public func errorStreak(_ consecutiveErrors: Int, byIntent: [String: Int]) -> Int {
    countsErrorsPerIntent ? (byIntent.values.max() ?? 0) : consecutiveErrors
  }

  /// The error streak of `intent`'s failures: its own count when the policy counts per
  /// intent, else the thread's.
  public func errorStreak(_ consecutiveErrors: Int, byIntent: [String: Int], of intent: String)
    -> Int
  {
    countsErrorsPerIntent ? byIntent[intent, default: 0] : consecutiveErrors
  }

  /// Whether an error streak of `streak` has reached the cap.
  public func reachesCap(_ streak: Int) -> Bool { streak >= errorCap }
}
