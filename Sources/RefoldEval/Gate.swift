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
    let summary = results.summary
    func check(_ name: String, _ rate: Rate?, _ minimum: Double?) {
      guard let minimum, let value = rate?.rate else { return }
      if value < minimum {
        failures.append(
          "\(name) \(percent(value)) is below the threshold \(percent(minimum)) "
            + "(\(rate?.passed ?? 0)/\(rate?.total ?? 0))")
      }
    }
    check("intent accuracy", summary.intentAccuracy, minAccuracy ?? thresholds.minIntentAccuracy)
    check("parameter accuracy", summary.parameterAccuracy, thresholds.minParameterAccuracy)
    check("case pass rate", summary.casePassRate, thresholds.minCasePassRate)
    check("loop pass rate", summary.loop?.passRate, thresholds.minLoopPassRate)
    var regression: Regression?
    if let baseline {
      let found = compare(baseline: baseline, current: results, maxP: thresholds.maxRegressionP)
      regression = found
      if found.significant {
        failures.append(
          "pass rate on \(found.pairs) shared cases fell from \(percent(found.baselineRate ?? 0)) "
            + "to \(percent(found.currentRate ?? 0)) (McNemar p = \(formatP(found.pValue)), "
            + "\(found.newlyFailing.count) newly failing, \(found.newlyPassing.count) newly passing)"
        )
      }
    }
    return GateOutcome(passed: failures.isEmpty, failures: failures, regression: regression)
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
