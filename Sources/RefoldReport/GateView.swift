import RefoldCore
import RefoldShared

/// The gate as reports show it: the one `results.json` records, or, for a file written
/// before runs carried their gate, the one its recorded thresholds give.
public enum GateView {
  /// The run's gate.
  public static func gate(of results: RunResults) -> RunGate {
    if let gate = results.gate { return gate }
    var checks: [GateCheck] = []
    for metric in HeadlineRate.allCases {
      guard let threshold = metric.threshold(in: results.run) else { continue }
      let rate = metric.rate(in: results.summary)
      guard let value = rate.rate, rate.total > 0 else {
        checks.append(
          GateCheck(
            name: metric.thresholdKey, threshold: threshold, actual: nil, passed: false,
            evaluated: false, source: "run", detail: "\(metric.title) has no cases (0/0)"))
        continue
      }
      checks.append(
        GateCheck(
          name: metric.thresholdKey, threshold: threshold, actual: value,
          passed: value >= threshold, source: "run",
          detail: "\(metric.title) \(Format.percent(value)) against \(Format.percent(threshold))"))
    }
    let errors = results.summary.sourceErrors
    checks.append(
      GateCheck(
        name: GateCheck.sourceErrorsName, threshold: 0, actual: Double(errors),
        passed: errors == 0, source: "run",
        detail: errors == 0
          ? "the model source answered every decision"
          : "the model source failed on \(errors) decisions: the run is incomplete"))
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
        metric?.title ?? (check.name == "min_loop_pass_rate" ? "Loop pass rate" : check.name)
      return "\(name) ≥ \(Format.percent(check.threshold))"
    }
  }

  /// `passed`, `failed` or `not evaluated`.
  public static func outcome(_ check: GateCheck) -> String {
    check.evaluated ? (check.passed ? "passed" : "failed") : "not evaluated"
  }
}
