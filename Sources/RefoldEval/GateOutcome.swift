import RefoldCore
import RefoldShared

/// What the gate decided, and why.
public struct GateOutcome: Sendable, Hashable {
  /// Whether every threshold and the regression check held (source errors aside).
  public var passed: Bool
  /// One sentence per failed check.
  public var failures: [String]
  /// The comparison with the baseline, when one was given.
  public var regression: Regression?
  /// The verdict and every check, as `results.json` records it under `gate`.
  public var record: RunGate

  public init(
    passed: Bool, failures: [String], regression: Regression?, record: RunGate
  ) {
    self.passed = passed
    self.failures = failures
    self.regression = regression
    self.record = record
  }

  /// `PASS`, `FAIL` or `INCOMPLETE`.
  public var verdict: RunGate.Verdict { record.verdict }
}
