import RefoldCore

extension GateCheck {
  /// The rates a suite can set a minimum for, in the gate's order: the key in suite.yaml's
  /// `thresholds` and in results.json, and the rate's name in sentences.
  public static let minimumRates: [(key: String, name: String)] = [
    ("min_intent_accuracy", "intent accuracy"), ("min_parameter_accuracy", "parameter accuracy"),
    ("min_case_pass_rate", "case pass rate"), ("min_loop_pass_rate", "loop pass rate"),
    ("min_judged_pass_rate", "judged pass rate"),
  ]

  /// The rate of `summary` that the minimum `key` bars; nil for a run without that rate
  /// (no loop runs) or an unknown key.
  public static func rate(_ key: String, in summary: RunSummary) -> Rate? {
    switch key {
    case "min_intent_accuracy": return summary.intentAccuracy
    case "min_parameter_accuracy": return summary.parameterAccuracy
    case "min_case_pass_rate": return summary.casePassRate
    case "min_loop_pass_rate": return summary.loop?.passRate
    case "min_judged_pass_rate": return summary.judged?.passRate
    default: return nil
    }
  }

  /// Every minimum in `minimums` (keyed as ``minimumRates``) checked against `summary`, in
  /// the gate's order: a rate below its minimum fails, a rate with no cases (0/0) is not
  /// evaluated.
  ///
  /// `sources` says where a minimum came from (`--min-accuracy`); others are `source`.
  public static func minimumChecks(
    _ summary: RunSummary, minimums: [String: Double], sources: [String: String] = [:],
    source: String
  ) -> [GateCheck] {
    minimumRates.compactMap { key, name in
      guard let minimum = minimums[key] else { return nil }
      let from = sources[key] ?? source
      guard let rate = rate(key, in: summary), let value = rate.rate, rate.total > 0 else {
        return GateCheck(
          name: key, threshold: minimum, actual: nil, passed: false, evaluated: false,
          source: from, detail: "\(name) has no cases (0/0): not evaluated")
      }
      let passed = value >= minimum
      return GateCheck(
        name: key, threshold: minimum, actual: value, passed: passed, source: from,
        detail: "\(name) \(percent(value)) is \(passed ? "at or above" : "below") the threshold "
          + "\(percent(minimum)) (\(rate.passed)/\(rate.total))")
    }
  }

  /// The check that the model source answered every decision: a run with source errors is
  /// incomplete.
  public static func sourceErrors(_ count: Int) -> GateCheck {
    GateCheck(
      name: sourceErrorsName, threshold: 0, actual: Double(count), passed: count == 0,
      source: "run",
      detail: count == 0
        ? "the model source answered every decision"
        : "the model source failed on \(count) decisions: the run is incomplete")
  }

  /// `0.049` as `4.9%`, as the gate's sentences write rates.
  public static func percent(_ value: Double) -> String {
    let tenths = (value * 1000).rounded() / 10
    return "\(tenths)%"
  }
}
