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
    var failures: [String] = []
    var checks: [GateCheck] = []
    let summary = results.summary
    func check(_ name: String, _ key: String, _ rate: Rate?, _ minimum: Double?, source: String) {
      guard let minimum else { return }
      guard let rate, let value = rate.rate, rate.total > 0 else {
        checks.append(
          GateCheck(
            name: key, threshold: minimum, actual: nil, passed: false, evaluated: false,
            source: source, detail: "\(name) has no cases (0/0): not evaluated"))
        return
      }
      let passed = value >= minimum
      let sentence =
        "\(name) \(percent(value)) is \(passed ? "at or above" : "below") the threshold "
        + "\(percent(minimum)) (\(rate.passed)/\(rate.total))"
      if !passed { failures.append(sentence) }
      checks.append(
        GateCheck(
          name: key, threshold: minimum, actual: value, passed: passed, source: source,
          detail: sentence))
    }
    check(
      "intent accuracy", "min_intent_accuracy", summary.intentAccuracy,
      minAccuracy ?? thresholds.minIntentAccuracy,
      source: minAccuracy == nil ? "suite" : "--min-accuracy")
    check(
      "parameter accuracy", "min_parameter_accuracy", summary.parameterAccuracy,
      thresholds.minParameterAccuracy, source: "suite")
    check(
      "case pass rate", "min_case_pass_rate", summary.casePassRate, thresholds.minCasePassRate,
      source: "suite")
    check(
      "loop pass rate", "min_loop_pass_rate", summary.loop?.passRate, thresholds.minLoopPassRate,
      source: "suite")
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
    let sourceErrors = summary.sourceErrors
    checks.append(
      GateCheck(
        name: GateCheck.sourceErrorsName, threshold: 0, actual: Double(sourceErrors),
        passed: sourceErrors == 0, source: "run",
        detail: sourceErrors == 0
          ? "the model source answered every decision"
          : "the model source failed on \(sourceErrors) decisions: the run is incomplete"))
    return GateOutcome(
      passed: failures.isEmpty, failures: failures, regression: regression,
      record: RunGate(checks: checks))
  }

  /// The paired comparison of two runs on their shared cases (``CasePairing``).
  public static func compare(baseline: RunResults, current: RunResults, maxP: Double = 0.05)
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

  static func percent(_ value: Double) -> String {
    let tenths = (value * 1000).rounded() / 10
    return "\(tenths)%"
  }

  static func formatP(_ p: Double) -> String {
    p < 0.0001 ? "< 0.0001" : String((p * 10000).rounded() / 10000)
  }
}
