/// What a judge model or an embeddings comparison said about one parameter of a case.
///
/// Kept for every judged parameter, passing or not, so a report can show why the judge
/// accepted an answer as well as why it refused one.
public struct JudgedParameter: Sendable, Hashable, Codable {
  /// The parameter's path (`message`, `config.note`).
  public var path: String
  /// `judge` or `similar`.
  public var matcher: String
  public var passed: Bool
  /// The judge's reason (`judge` only).
  public var reason: String?
  /// The cosine similarity of the two embeddings (`similar` only).
  public var score: Double?
  /// The least similarity that passes (`similar` only).
  public var minimum: Double?

  public init(
    path: String, matcher: String, passed: Bool, reason: String? = nil, score: Double? = nil,
    minimum: Double? = nil
  ) {
    self.path = path
    self.matcher = matcher
    self.passed = passed
    self.reason = reason
    self.score = score
    self.minimum = minimum
  }

  /// Why the parameter failed, as a parameter difference states it.
  public var failureReason: String {
    if let score, let minimum {
      return "similarity \(Self.rounded(score)) is below \(Self.rounded(minimum))"
    }
    return reason.map { "the judge: \($0)" } ?? "the judge refused it"
  }

  private static func rounded(_ value: Double) -> String {
    let hundredths = (value * 1000).rounded() / 1000
    return String(hundredths)
  }
}
