import RefoldCore
import RefoldShared

/// Accumulates counts as cases arrive and turns them into a ``RunSummary`` and an
/// ``IntentBreakdown``; it keeps no cases, so memory stays flat however long the run.
///
/// Definitions (also in `docs/suites.md`):
/// - `decisions`: step cases the source answered (source errors are counted apart, in
///   `source_errors`, and are in no rate);
/// - intent accuracy: step cases whose intent is the golden one or an accepted alternative;
/// - parameter accuracy: among step cases with exactly the golden intent, those that pass;
/// - case pass rate: passing cases of both modes over all cases the source answered;
/// - retries: step cases right after an error (`expected_retry_behaviour` set);
///   `expected_behaviour` is the share whose behaviour equals the golden one;
/// - over-retries: step decisions flagged `over_retry`, plus loop runs with at least one;
/// - escalations: step cases where golden or actual escalated, plus loop runs' timings;
/// - tokens: step cases that report usage (a loop case sums several exchanges, so it would
///   not be "per decision").
public struct Scorer: Sendable {
  private var decisions = 0
  private var intentPassed = 0
  private var parameterPassed = 0
  private var parameterTotal = 0
  private var casesPassed = 0
  private var casesTotal = 0
  private var sourceErrors = 0
  private var afterError = 0
  private var retryCounts: [RetryBehaviour: Int] = [:]
  private var overRetries = 0
  private var expectedBehaviour = 0
  private var timings: [EscalationTiming: Int] = [:]
  private var loopRuns = 0
  private var loopPassed = 0
  private var divergences = 0
  private var loopSteps = 0
  private var inputTokens = 0
  private var outputTokens = 0
  private var withUsage = 0
  private var matrix: [String: [String: Int]] = [:]
  private var sawLoop = false
  private var judgedPassed: [String: Int] = [:]
  private var judgedTotal: [String: Int] = [:]

  public init() {}

  /// The column for decisions that produced no valid intent.
  public static let failureLabel = "(failure)"

  /// Counts one case.
  public mutating func add(_ result: CaseResult) {
    if result.verdict == .sourceError {
      sourceErrors += 1
      return
    }
    casesTotal += 1
    if result.passed { casesPassed += 1 }
    if result.overRetry == true { overRetries += 1 }
    if result.mode == "loop" {
      addLoop(result)
    } else {
      addStep(result)
    }
  }

  /// Counts every case of a sequence.
  public mutating func add<Cases: Sequence>(contentsOf cases: Cases)
  where Cases.Element == CaseResult {
    for result in cases { add(result) }
  }

  private mutating func addStep(_ result: CaseResult) {
    decisions += 1
    for judged in result.judged ?? [] {
      judgedTotal[judged.matcher, default: 0] += 1
      if judged.passed { judgedPassed[judged.matcher, default: 0] += 1 }
    }
    if let usage = result.usage {
      inputTokens += usage.inputTokens
      outputTokens += usage.outputTokens
      withUsage += 1
    }
    let expected = result.expected?.name ?? "(none)"
    let actual = result.actual?.name
    if let actual, actual == expected || (result.accepted ?? []).contains(actual) {
      intentPassed += 1
    }
    if actual == expected {
      parameterTotal += 1
      if result.passed { parameterPassed += 1 }
    }
    matrix[expected, default: [:]][actual ?? Scorer.failureLabel, default: 0] += 1
    if let golden = result.expectedRetryBehaviour.flatMap(RetryBehaviour.init(rawValue:)) {
      afterError += 1
      let made = result.retryBehaviour.flatMap(RetryBehaviour.init(rawValue:))
      if let made { retryCounts[made, default: 0] += 1 }
      if made == golden { expectedBehaviour += 1 }
      switch (golden == .escalated, made == .escalated) {
      case (true, true): timings[.onTime, default: 0] += 1
      case (true, false): timings[.late, default: 0] += 1
      case (false, true): timings[.early, default: 0] += 1
      case (false, false): break
      }
    }
  }

  private mutating func addLoop(_ result: CaseResult) {
    sawLoop = true
    loopRuns += 1
    if result.passed { loopPassed += 1 }
    guard let behaviour = result.behaviour else { return }
    if behaviour.divergence != nil { divergences += 1 }
    loopSteps += behaviour.steps
    if let timing = behaviour.escalationTiming.flatMap(EscalationTiming.init(rawValue:)) {
      timings[timing, default: 0] += 1
    }
  }

  /// The headline figures so far.
  public var summary: RunSummary {
    let onTime = timings[.onTime, default: 0]
    let escalationTotal = timings.values.reduce(0, +)
    return RunSummary(
      decisions: decisions,
      intentAccuracy: Statistics.wilson(passed: intentPassed, total: decisions),
      parameterAccuracy: Statistics.wilson(passed: parameterPassed, total: parameterTotal),
      casePassRate: Statistics.wilson(passed: casesPassed, total: casesTotal),
      retry: RetrySummary(
        afterError: afterError, correctedRetry: retryCounts[.correctedRetry, default: 0],
        identicalRetry: retryCounts[.identicalRetry, default: 0],
        gaveUp: retryCounts[.gaveUp, default: 0], escalated: retryCounts[.escalated, default: 0],
        overRetries: overRetries,
        expectedBehaviour: Statistics.wilson(passed: expectedBehaviour, total: afterError)),
      escalation: EscalationSummary(
        onTime: onTime, early: timings[.early, default: 0], late: timings[.late, default: 0],
        never: timings[.never, default: 0],
        onTimeRate: Statistics.wilson(passed: onTime, total: escalationTotal)),
      loop: sawLoop
        ? LoopSummary(
          runs: loopRuns, passRate: Statistics.wilson(passed: loopPassed, total: loopRuns),
          divergences: divergences,
          meanSteps: loopRuns > 0 ? Double(loopSteps) / Double(loopRuns) : nil) : nil,
      tokens: withUsage > 0
        ? TokenSummary(
          input: inputTokens, output: outputTokens, decisionsWithUsage: withUsage,
          perDecision: Double(inputTokens + outputTokens) / Double(withUsage)) : nil,
      sourceErrors: sourceErrors, judged: judgedSummary)
  }

  private var judgedSummary: JudgedSummary? {
    let total = judgedTotal.values.reduce(0, +)
    guard total > 0 else { return nil }
    func rate(_ matcher: String) -> Rate {
      Statistics.wilson(
        passed: judgedPassed[matcher, default: 0], total: judgedTotal[matcher, default: 0])
    }
    return JudgedSummary(
      passRate: Statistics.wilson(passed: judgedPassed.values.reduce(0, +), total: total),
      judgePassRate: rate("judge"), similarPassRate: rate("similar"))
  }

  /// The confusion matrix of step cases, with precision and recall per intent.
  ///
  /// Rows are golden intents, columns actual intents; `(failure)` is the last column when
  /// some output was not a valid intent. Labels are sorted so that merged shards agree.
  public var breakdown: IntentBreakdown {
    var names = Set(matrix.keys)
    var hasFailure = false
    for row in matrix.values {
      for column in row.keys {
        if column == Scorer.failureLabel { hasFailure = true } else { names.insert(column) }
      }
    }
    let labels = names.sorted() + (hasFailure ? [Scorer.failureLabel] : [])
    let grid = labels.map { row in labels.map { column in matrix[row]?[column] ?? 0 } }
    var intents: [String: IntentScore] = [:]
    for (index, label) in labels.enumerated() where label != Scorer.failureLabel {
      let support = grid[index].reduce(0, +)
      let predicted = grid.reduce(0) { $0 + $1[index] }
      let truePositives = grid[index][index]
      intents[label] = IntentScore(
        support: support, predicted: predicted, truePositives: truePositives,
        precision: predicted > 0 ? Double(truePositives) / Double(predicted) : nil,
        recall: support > 0 ? Double(truePositives) / Double(support) : nil)
    }
    return IntentBreakdown(labels: labels, matrix: grid, intents: intents)
  }
}
