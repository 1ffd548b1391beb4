import RefoldCore
import RefoldShared

/// The judge checked against people: it judges each golden value that carries a human
/// label (`human: pass|fail` beside a `judge` matcher in a `steps:` entry), and the verdicts
/// are compared with the labels by agreement and Cohen's kappa.
///
/// ```swift
/// let check = try await JudgeCalibration.run(suite: suite, threads: threads, judge: judge)
/// print(check.agreement, check.kappa, check.disagreements)
/// ```
public struct JudgeCalibration: Sendable, Hashable {
  /// One labelled golden value with the person's and the judge's verdicts.
  public typealias Label = JudgeCalibrationSummary.Label

  public var labels: [Label]

  /// The share of labels on which the judge and the person agree; nil without labels.
  public var agreement: Double? {
    guard !labels.isEmpty else { return nil }
    return Double(labels.filter { $0.human == $0.judge }.count) / Double(labels.count)
  }

  /// Cohen's kappa of the two raters; nil without labels, or when chance agreement is
  /// certain (both said the same thing every time).
  public var kappa: Double? { Self.kappa(labels.map { ($0.human, $0.judge) }) }

  /// The labels on which the judge and the person disagree.
  public var disagreements: [Label] { labels.filter { $0.human != $0.judge } }

  /// The check as a run keeps it, with the agreement's Wilson interval; nil without labels.
  public var summary: JudgeCalibrationSummary? {
    guard !labels.isEmpty else { return nil }
    return JudgeCalibrationSummary(
      agreement: Statistics.wilson(
        passed: labels.count - disagreements.count, total: labels.count),
      kappa: kappa, humanPassed: labels.filter(\.human).count,
      judgePassed: labels.filter(\.judge).count,
      disagreements: disagreements)
  }

  /// Whether any of `threads` has a step expectation with a human label: found from the
  /// expectations alone, without replaying a thread.
  public static func hasLabels(suite: Suite, threads: [[Event]]) -> Bool {
    threads.contains { labelledExpectation($0, suite: suite) != nil }
  }

  /// The thread's expectation when one of its steps carries a human label, else nil.
  static func labelledExpectation(_ events: [Event], suite: Suite)
    -> ThreadExpectation?
  {
    guard let id = events.first?.thread else { return nil }
    let expectation = suite.expectations.forThread(id)
    return expectation.steps.contains { !$0.humanLabels.isEmpty } ? expectation : nil
  }

  /// Cohen's kappa of paired pass/fail ratings: (observed − chance) / (1 − chance).
  public static func kappa(_ pairs: [(Bool, Bool)]) -> Double? {
    guard !pairs.isEmpty else { return nil }
    let count = Double(pairs.count)
    let observed = Double(pairs.filter { $0.0 == $0.1 }.count) / count
    let firstPass = Double(pairs.filter(\.0).count) / count
    let secondPass = Double(pairs.filter(\.1).count) / count
    let chance = firstPass * secondPass + (1 - firstPass) * (1 - secondPass)
    guard chance < 1 else { return nil }
    return (observed - chance) / (1 - chance)
  }

  /// Asks `judge` about every labelled golden value of `threads`, in thread and step order.
  ///
  /// The value judged is the golden decision's own (expected and actual alike); the thread
  /// shown is the golden events before it, one line each.
  ///
  /// - Throws: ``JudgeError`` naming the thread and step when the judge cannot answer one of
  ///   them.
  public static func run(suite: Suite, threads: [[Event]], judge: any ParameterJudge)
    async throws(JudgeError) -> JudgeCalibration
  {
    var labels: [Label] = []
    let session = judge.session()
    for events in threads {
      guard let expectation = labelledExpectation(events, suite: suite) else { continue }
      let golden = GoldenThread(events: events, reducer: suite.agent.reducer)
      for point in golden.decisions {
        guard
          let override = expectation.step(point.step, seq: point.seq, intent: point.intent.name),
          !override.humanLabels.isEmpty
        else { continue }
        for (path, human) in override.humanLabels.sorted(by: { $0.key < $1.key }) {
          guard let matcher = override.parameters[path], case .judge = matcher else { continue }
          let parameters = point.intent.parameters
          let questions = ParameterComparison.judgedQuestions(
            expected: parameters, actual: parameters, matchers: [path: matcher])
          guard let question = questions.first else { continue }
          let context = StepReplay.plainContext(Array(golden.events[..<point.eventIndex]))
          let verdict: JudgedParameter
          do {
            verdict = try await session.verdict(
              for: question, thread: golden.id, context: context)
          } catch {
            throw JudgeError(
              path: error.path,
              message: "the human label of \(golden.id)#\(point.step): \(error.message)")
          }
          labels.append(
            Label(
              thread: golden.id, step: point.step, path: path, human: human,
              judge: verdict.passed, reason: verdict.reason))
        }
      }
    }
    return JudgeCalibration(labels: labels)
  }
}
