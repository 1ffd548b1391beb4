import RefoldCore

/// What the gate decided, and why.
public struct GateOutcome: Sendable, Hashable {
  public var passed: Bool
  /// One sentence per failed check.
  public var failures: [String]
  /// The comparison with the baseline, when one was given.
  public var regression: Regression?
}
