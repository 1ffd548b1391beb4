import RefoldCore
import RefoldShared

/// What an ``Evaluation`` produced: one scored run per variant, its gate, and where the
/// reports went.
public struct EvaluationResult: Sendable {
  /// One variant's run and how it fared at the gate.
  public struct VariantRun: Sendable {
    public var variant: Variant
    public var outcome: EvaluationOutcome
    public var gate: GateOutcome

    public init(variant: Variant, outcome: EvaluationOutcome, gate: GateOutcome) {
      self.variant = variant
      self.outcome = outcome
      self.gate = gate
    }

    /// The run's results, as stored and reported.
    public var results: RunResults { outcome.results }
  }

  /// The suite as loaded.
  public var suite: Suite
  /// The runs, in the order the variants were evaluated.
  public var runs: [VariantRun]
  /// The run id for one variant, the shared stamp for several (names the report folder).
  public var evaluationID: String
  /// Where the reporter wrote the reports, when there is one.
  public var reportLocation: String?
  /// The pairs of runs compared, as indexes into ``runs``.
  public var comparisonPairs: [ComparisonPair] = []

  public init(
    suite: Suite, runs: [VariantRun], evaluationID: String, reportLocation: String? = nil
  ) {
    self.suite = suite
    self.runs = runs
    self.evaluationID = evaluationID
    self.reportLocation = reportLocation
  }

  /// Every decision the model source failed on, variant by variant, in case order.
  public var sourceFailures: [SuiteError] { runs.flatMap(\.outcome.sourceFailures) }

  /// Every failed gate check, each prefixed with its variant (`baseline: intent accuracy …`).
  public var gateFailures: [String] {
    runs.flatMap { run in run.gate.failures.map { "\(run.variant.name): \($0)" } }
  }

  /// The evaluation's verdict: the worst of its runs' (`INCOMPLETE`, then `FAIL`, then `PASS`).
  public var verdict: RunGate.Verdict { RunGate.combined(runs.map(\.gate.verdict)) }

  /// Whether every decision was answered and every gate check passed.
  public var passed: Bool { sourceFailures.isEmpty && gateFailures.isEmpty }
}
