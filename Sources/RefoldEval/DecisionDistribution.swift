import RefoldShared

/// How often each decision came back when the same decision point was asked N times, each
/// share with its 95% Wilson interval: how stable the decision is.
///
/// ```swift
/// let distribution = DecisionDistribution(answers)
/// for entry in distribution.entries { print(entry.count, entry.share.rate ?? 0, entry.label) }
/// ```
public struct DecisionDistribution: Sendable, Hashable {
  /// One distinct decision and how often it was answered.
  public struct Entry: Sendable, Hashable {
    /// ``ProbeAnswer/label`` of the decision.
    public var label: String
    /// One of the answers that gave it.
    public var answer: ProbeAnswer
    public var count: Int
    /// `count` of all answers, with its Wilson interval.
    public var share: Rate
  }

  /// The distinct decisions, most frequent first (ties in order of first answer).
  public var entries: [Entry]
  public var total: Int

  public init(_ answers: [ProbeAnswer]) {
    var order: [String] = []
    var counts: [String: Int] = [:]
    var first: [String: ProbeAnswer] = [:]
    for answer in answers {
      let label = answer.label
      if counts[label] == nil {
        order.append(label)
        first[label] = answer
      }
      counts[label, default: 0] += 1
    }
    total = answers.count
    let ranked = order.enumerated().sorted {
      let (left, right) = (counts[$0.element] ?? 0, counts[$1.element] ?? 0)
      return left != right ? left > right : $0.offset < $1.offset
    }
    entries = ranked.compactMap { _, label in
      guard let answer = first[label], let count = counts[label] else { return nil }
      return Entry(
        label: label, answer: answer, count: count,
        share: Statistics.wilson(passed: count, total: answers.count))
    }
  }
}
