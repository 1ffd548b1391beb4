import RefoldCore
import RefoldShared

/// The three headline rates of a run (intent accuracy, parameter accuracy, case pass rate),
/// with the thresholds that gate them.
public enum HeadlineRate: String, Sendable, Hashable, CaseIterable, Codable {
  case intentAccuracy = "intent_accuracy"
  case parameterAccuracy = "parameter_accuracy"
  case casePassRate = "case_pass_rate"

  /// The label reports show.
  public var title: String {
    switch self {
    case .intentAccuracy: return "Intent accuracy"
    case .parameterAccuracy: return "Parameter accuracy"
    case .casePassRate: return "Case pass rate"
    }
  }

  /// The rate in a summary.
  public func rate(in summary: RunSummary) -> Rate {
    switch self {
    case .intentAccuracy: return summary.intentAccuracy
    case .parameterAccuracy: return summary.parameterAccuracy
    case .casePassRate: return summary.casePassRate
    }
  }

  /// The threshold key that gates this rate: `min_intent_accuracy`, `min_parameter_accuracy`,
  /// `min_case_pass_rate`.
  public var thresholdKey: String { "min_" + rawValue }

  /// The threshold in force for this rate in `run`, if any.
  ///
  /// `min_accuracy` (what `--min-accuracy` sets) replaces `min_intent_accuracy`, as at the
  /// gate; otherwise the rate's own key.
  public func threshold(in run: RunInfo) -> Double? {
    guard let thresholds = run.thresholds else { return nil }
    if self == .intentAccuracy, let flag = thresholds["min_accuracy"] { return flag }
    return thresholds[thresholdKey]
  }

  /// Whether the rate meets its threshold: nil when there is no threshold or no rate.
  public func meetsThreshold(_ summary: RunSummary, run: RunInfo) -> Bool? {
    guard let threshold = threshold(in: run), let value = rate(in: summary).rate else {
      return nil
    }
    return value >= threshold
  }

  /// The 80% quality wall every chart draws.
  public static let qualityWall = 0.8
}
