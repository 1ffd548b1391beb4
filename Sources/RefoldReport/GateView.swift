import RefoldCore
import RefoldShared

/// The gate as reports show it: the one `results.json` records, or, for a file written
/// before runs carried their gate, the one its recorded thresholds give.
public enum GateView {
  /// The run's gate.
  public static func gate(of results: RunResults) -> RunGate {
    if let gate = results.gate { return gate }
    var minimums = results.run.thresholds ?? [:]
    if let flag = minimums["min_accuracy"] { minimums["min_intent_accuracy"] = flag }
    var checks = GateCheck.minimumChecks(results.summary, minimums: minimums, source: "run")
    checks.append(GateCheck.sourceErrors(results.summary.sourceErrors))
    return RunGate(checks: checks)
  }

  /// The evaluation's verdict: the worst of its runs'.
  public static func verdict(of runs: [RunResults]) -> RunGate.Verdict {
    RunGate.combined(runs.map { gate(of: $0).verdict })
  }

  /// The check that gates `metric`, if one was applied.
  public static func check(_ metric: HeadlineRate, in results: RunResults) -> GateCheck? {
    gate(of: results).checks.first { $0.name == metric.thresholdKey }
  }

  /// The check's title: `min_intent_accuracy` is "Intent accuracy ≥ 80.0%".
  public static func title(_ check: GateCheck) -> String {
    switch check.name {
    case GateCheck.sourceErrorsName: return "Model source answered every decision"
    case GateCheck.regressionName:
      return "No significant regression against the baseline (p < \(check.threshold))"
    default:
      let metric = HeadlineRate.allCases.first { $0.thresholdKey == check.name }
      let name =
        metric?.title
        ?? (check.name == "min_loop_pass_rate"
          ? "Loop pass rate"
          : check.name == "min_judged_pass_rate" ? "Judged pass rate" : check.name)
      return "\(name) ≥ \(Format.percent(check.threshold))"
    }
  }

  /// `passed`, `failed` or `not evaluated`.
  public static func outcome(_ check: GateCheck) -> String {
    check.evaluated ? (check.passed ? "passed" : "failed") : "not evaluated"
  }
}
