import RefoldCore

/// A paired comparison with a baseline run.
public struct Regression: Sendable, Hashable, Codable {
  /// Cases present (and answered) in both runs.
  public var pairs: Int
  public var baselineRate: Double?
  public var currentRate: Double?
  /// McNemar's exact two-sided p-value on the discordant pairs.
  public var pValue: Double
  /// Case ids that passed in the baseline and fail now.
  public var newlyFailing: [String]
  /// Case ids that failed in the baseline and pass now.
  public var newlyPassing: [String]
  /// Whether the drop is significant (and so fails the gate).
  public var significant: Bool

  enum CodingKeys: String, CodingKey {
    case pairs, significant
    case baselineRate = "baseline_rate"
    case currentRate = "current_rate"
    case pValue = "p_value"
    case newlyFailing = "newly_failing"
    case newlyPassing = "newly_passing"
  }
}
