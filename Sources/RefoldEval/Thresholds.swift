import RefoldCore
import RefoldShared

/// The bars a run must clear (`thresholds:` in `suite.yaml`); unset bars are not checked.
public struct Thresholds: Sendable, Hashable, Codable {
  public var minIntentAccuracy: Double?
  public var minParameterAccuracy: Double?
  public var minCasePassRate: Double?
  public var minLoopPassRate: Double?
  /// The least pass rate of the `judge` and `similar` parameters.
  public var minJudgedPassRate: Double?
  /// A drop against the baseline fails the gate only when McNemar's p is below this.
  public var maxRegressionP: Double

  enum CodingKeys: String, CodingKey {
    case minIntentAccuracy = "min_intent_accuracy"
    case minParameterAccuracy = "min_parameter_accuracy"
    case minCasePassRate = "min_case_pass_rate"
    case minLoopPassRate = "min_loop_pass_rate"
    case minJudgedPassRate = "min_judged_pass_rate"
    case maxRegressionP = "max_regression_p"
  }

  public init(
    minIntentAccuracy: Double? = nil, minParameterAccuracy: Double? = nil,
    minCasePassRate: Double? = nil, minLoopPassRate: Double? = nil,
    minJudgedPassRate: Double? = nil, maxRegressionP: Double = 0.05
  ) {
    self.minJudgedPassRate = minJudgedPassRate
    self.minIntentAccuracy = minIntentAccuracy
    self.minParameterAccuracy = minParameterAccuracy
    self.minCasePassRate = minCasePassRate
    self.minLoopPassRate = minLoopPassRate
    self.maxRegressionP = maxRegressionP
  }

  /// The thresholds as `RunInfo.thresholds` records them.
  public var asDictionary: [String: Double] {
    var result: [String: Double] = ["max_regression_p": maxRegressionP]
    if let minIntentAccuracy { result["min_intent_accuracy"] = minIntentAccuracy }
    if let minParameterAccuracy { result["min_parameter_accuracy"] = minParameterAccuracy }
    if let minCasePassRate { result["min_case_pass_rate"] = minCasePassRate }
    if let minLoopPassRate { result["min_loop_pass_rate"] = minLoopPassRate }
    if let minJudgedPassRate { result["min_judged_pass_rate"] = minJudgedPassRate }
    return result
  }
}
