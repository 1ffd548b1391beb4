import RefoldCore
import RefoldShared

/// The CI gate: thresholds, and regression against a baseline run tested for significance.
///
/// A threshold fails when the point estimate is below it (a rate with no cases is not
/// checked). A regression fails only when it is significant: on the cases both runs share
/// (paired by case id, source errors left out), McNemar's exact test gives
/// p < `max_regression_p` and the current run passes fewer of them. Noise (a few cases
/// flipping each way) passes.
public enum Gate {
  /// Checks `results` against `thresholds` and, when given, against `baseline`.
  ///
  /// `minAccuracy` (`--min-accuracy`) replaces `min_intent_accuracy`.
  public static func evaluate(
    _ results: RunResults, thresholds: Thresholds, minAccuracy: Double? = nil,
    baseline: RunResults? = nil
  ) -> GateOutcome {
    evaluate(
      results.outline, thresholds: thresholds, minAccuracy: minAccuracy,
      baseline: baseline?.outline)
  }

  /// Checks a run's outline against `thresholds` and, when given, against `baseline`'s.
  public static func evaluate(
    _ results: RunOutline, thresholds: Thresholds, minAccuracy: Double? = nil,
    baseline: RunOutline? = nil
  ) -> GateOutcome {
    var failures: [String] = []
    var checks: [GateCheck] = []
    let summary = results.summary
    var minimums = thresholds.asDictionary
    minimums["max_regression_p"] = nil
    if let minAccuracy { minimums["min_intent_accuracy"] = minAccuracy }
    checks += GateCheck.minimumChecks(
      summary, minimums: minimums,
      sources: minAccuracy == nil ? [:] : ["min_intent_accuracy": "--min-accuracy"],
      source: "suite")
    failures += checks.filter { $0.evaluated && !$0.passed }.map(\.detail)
    var regression: Regression?
    if let baseline {
      let found = compare(baseline: baseline, current: results, maxP: thresholds.maxRegressionP)
      regression = found
      let sentence =
        "pass rate on \(found.pairs) shared cases "
        + (found.significant ? "fell" : "went") + " from \(percent(found.baselineRate ?? 0)) "
        + "to \(percent(found.currentRate ?? 0)) (McNemar p = \(formatP(found.pValue)), "
        + "\(found.newlyFailing.count) newly failing, \(found.newlyPassing.count) newly passing)"
      if found.significant { failures.append(sentence) }
      checks.append(
        GateCheck(
          name: GateCheck.regressionName, threshold: thresholds.maxRegressionP,
          actual: found.pairs > 0 ? found.pValue : nil,
          passed: found.pairs > 0 && !found.significant,
          evaluated: found.pairs > 0, source: "--baseline",
          detail: found.pairs > 0
            ? (found.significant ? "significant regression: " : "no significant regression: ")
              + sentence
            : "no cases shared with the baseline: not evaluated"))
    }
    checks.append(GateCheck.sourceErrors(summary.sourceErrors))
    return GateOutcome(
      passed: failures.isEmpty, failures: failures, regression: regression,
      record: RunGate(checks: checks))
  }

  /// The paired comparison of two runs on their shared cases (``CasePairing``).
  public static func compare(baseline: RunResults, current: RunResults, maxP: Double = 0.05)
    -> Regression
  {
    compare(baseline: baseline.outline, current: current.outline, maxP: maxP)
  }

  /// The paired comparison of two runs' outlines on their shared cases.
  public static func compare(baseline: RunOutline, current: RunOutline, maxP: Double = 0.05)
    -> Regression
  {
    let pairing = CasePairing(baseline: baseline, candidate: current)
    let pairs = pairing.pairs.count
    let p = pairing.mcnemarPValue
    return Regression(
      pairs: pairs,
      baselineRate: pairs > 0 ? Double(pairing.baselinePassed) / Double(pairs) : nil,
      currentRate: pairs > 0 ? Double(pairing.candidatePassed) / Double(pairs) : nil, pValue: p,
      newlyFailing: pairing.newlyFailing.map(\.candidate.id).sorted(),
      newlyPassing: pairing.newlyPassing.map(\.candidate.id).sorted(),
      significant: p < maxP && pairing.candidatePassed < pairing.baselinePassed)
  }

  static func percent(_ value: Double) -> String { GateCheck.percent(value) }

  static func formatP(_ p: Double) -> String {
    p < 0.0001 ? "< 0.0001" : String((p * 10000).rounded() / 10000)
  }
}
