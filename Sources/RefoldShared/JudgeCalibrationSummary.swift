/// How far a run's judge agreed with people: its verdicts on the golden values that carry a
/// `human: pass|fail` label, against those labels.
///
/// Kept beside the judged rates (``RunSummary/judgeCalibration``) so that whoever reads a
/// judged pass rate also reads how far to trust it.
public struct JudgeCalibrationSummary: Sendable, Hashable, Codable {
  /// One labelled golden value with the person's and the judge's verdicts (a run keeps the
  /// ones where they differ).
  public struct Label: Sendable, Hashable, Codable {
    public var thread: String
    public var step: Int
    /// The parameter's path.
    public var path: String
    /// The person's verdict.
    public var human: Bool
    /// The judge's verdict.
    public var judge: Bool
    /// The judge's reason.
    public var reason: String?

    public init(
      thread: String, step: Int, path: String, human: Bool, judge: Bool, reason: String? = nil
    ) {
      self.thread = thread
      self.step = step
      self.path = path
      self.human = human
      self.judge = judge
      self.reason = reason
    }
  }

  /// Labels on which the person and the judge agree, of all labels, with a 95% Wilson
  /// interval.
  public var agreement: Rate
  /// Cohen's kappa, (observed − chance) / (1 − chance); nil when chance agreement is
  /// certain (both raters gave one answer throughout).
  public var kappa: Double?
  /// The labels the person passed.
  public var humanPassed: Int
  /// The labels the judge passed.
  public var judgePassed: Int
  /// Every label the judge disagreed with, in thread and step order.
  public var disagreements: [Label]

  enum CodingKeys: String, CodingKey {
    case agreement, kappa, disagreements
    case humanPassed = "human_passed"
    case judgePassed = "judge_passed"
  }

  public init(
    agreement: Rate, kappa: Double?, humanPassed: Int, judgePassed: Int,
    disagreements: [Label]
  ) {
    self.agreement = agreement
    self.kappa = kappa
    self.humanPassed = humanPassed
    self.judgePassed = judgePassed
    self.disagreements = disagreements
  }

  /// The labels compared.
  public var labels: Int { agreement.total }
}
