/// The judged parameters of a run (`judge` and `similar` matchers), kept apart from the
/// exact parameter accuracy: how often the judge or the embeddings accepted the value.
public struct JudgedSummary: Sendable, Hashable, Codable {
  /// Every judged parameter of the step cases (source errors are in no rate).
  public var passRate: Rate
  /// The parameters matched by `judge`.
  public var judgePassRate: Rate
  /// The parameters matched by `similar`.
  public var similarPassRate: Rate

  enum CodingKeys: String, CodingKey {
    case passRate = "pass_rate"
    case judgePassRate = "judge_pass_rate"
    case similarPassRate = "similar_pass_rate"
  }

  public init(passRate: Rate, judgePassRate: Rate, similarPassRate: Rate) {
    self.passRate = passRate
    self.judgePassRate = judgePassRate
    self.similarPassRate = similarPassRate
  }
}
