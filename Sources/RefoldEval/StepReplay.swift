import RefoldCore
import RefoldShared

/// Teacher-forced replay: at every decision point k of a golden thread, ask the decider
/// with `events[0..<k]` and score its answer against the golden decision.
///
/// ```swift
/// let replay = StepReplay(reducer: spec.reducer, decider: decider, expectations: suite.expectations)
/// let outcome = await replay.run(GoldenThread(events: events, reducer: spec.reducer))
/// ```
public struct StepReplay: Sendable {
  public var reducer: ThreadReducer
  public var decider: any Decider
  public var expectations: Expectations
  public var retention: ContextRetention
  /// Stop replaying a thread at its first source error.
  ///
  /// The remaining decision points are not asked. Either way, each source error becomes a `source_error` case and is listed
  /// in ``StepReplayOutcome/sourceFailures``, so the caller can exit with code 3.
  public var stopOnSourceError: Bool
  /// Answers the `judge` and `similar` matchers (nil: the suite names no judge).
  public var judge: (any ParameterJudge)?

  public init(
    reducer: ThreadReducer, decider: any Decider, expectations: Expectations = .none,
    retention: ContextRetention = .failing, stopOnSourceError: Bool = false
  ) {
    self.reducer = reducer
    self.decider = decider
    self.expectations = expectations
    self.retention = retention
    self.stopOnSourceError = stopOnSourceError
  }

  /// Replays every decision point of `golden`, in order; ignored steps yield no case.
  public func run(_ golden: GoldenThread) async -> StepReplayOutcome {
    let expectation = expectations.forThread(golden.id)
    var outcome = StepReplayOutcome()
    for point in golden.decisions {
      let override = expectation.step(point.step, seq: point.seq, intent: point.intent.name)
      if override?.ignore == true { continue }
      let context = Array(golden.events[..<point.eventIndex])
      do {
        let decision = try await decider.decide(thread: golden.id, events: context)
        let verdicts = try await verdicts(
          for: decision, at: point, in: golden, override: override, context: context)
        outcome.cases.append(
          score(decision, at: point, in: golden, override: override, verdicts: verdicts))
      } catch {
        let message = String(describing: error)
        outcome.cases.append(
          CaseResult(
            id: "\(golden.id)#\(point.step)", thread: golden.id, mode: "step", step: point.step,
            seq: point.seq, expected: point.intent, accepted: override?.acceptedIntents.nonEmpty,
            failure: message, verdict: .sourceError))
        outcome.sourceFailures.append(
          .sourceFailed(thread: golden.id, step: point.step, message: message))
        if stopOnSourceError { break }
      }
    }
    return outcome
  }

  /// The judge's and the embeddings' verdicts on the decision's judged parameters, by path;
  /// empty when it has none or names another intent.
  ///
  /// - Throws: ``JudgeError`` when a verdict cannot be had (the case is a source error).
  func verdicts(
    for decision: Decision, at point: DecisionPoint, in golden: GoldenThread,
    override: StepExpectation?, context events: [Event]
  ) async throws(JudgeError) -> [String: JudgedParameter] {
    guard case .intent(let intent) = decision.outcome, let matchers = override?.parameters,
      reducer.vocabulary.canonicalType(intent.name) == point.intent.name
    else { return [:] }
    let questions = ParameterComparison.judgedQuestions(
      expected: point.intent.parameters, actual: intent.parameters, matchers: matchers)
    guard !questions.isEmpty else { return [:] }
    guard let judge else {
      throw JudgeError(
        path: questions[0].path,
        message:
          "the \(questions[0].matcher.name) matcher needs the suite's judge: or embeddings: model")
    }
    let context = decision.renderedContext ?? Self.plainContext(events)
    var verdicts: [String: JudgedParameter] = [:]
    for question in questions {
      verdicts[question.path] = try await judge.verdict(
        for: question, thread: golden.id, context: context)
    }
    return verdicts
  }

  /// The thread as one line per event, for deciders that report no rendered context.
  static func plainContext(_ events: [Event]) -> String {
    events.map { "\($0.type): \($0.data.canonicalString)" }.joined(separator: "\n")
  }

  /// Scores one decision against a golden decision point; `verdicts` answer its judged
  /// parameters (``verdicts(for:at:in:override:context:)``).
  public func score(
    _ decision: Decision, at point: DecisionPoint, in golden: GoldenThread,
    override: StepExpectation?, verdicts: [String: JudgedParameter] = [:]
  ) -> CaseResult {
    let expected = point.intent
    let accepted = override?.acceptedIntents ?? []
    var actual: Intent?
    var failure: String?
    var verdict: CaseResult.Verdict
    var differences: [ParameterDifference]?
    switch decision.outcome {
    case .failure(let message):
      failure = message
      verdict = .invalidOutput
    case .intent(let intent):
      let name = reducer.vocabulary.canonicalType(intent.name)
      actual = Intent(name: name, parameters: intent.parameters)
      if name == expected.name {
        let found = ParameterComparison.differences(
          expected: expected.parameters, actual: intent.parameters,
          matchers: override?.parameters ?? [:], verdicts: verdicts)
        differences = found.isEmpty ? nil : found
        verdict = found.isEmpty ? .pass : .wrongParameters
      } else if accepted.contains(name) {
        verdict = .pass
      } else {
        verdict = .wrongIntent
      }
    }
    var result = CaseResult(
      id: "\(golden.id)#\(point.step)", thread: golden.id, mode: "step", step: point.step,
      seq: point.seq, expected: expected, accepted: accepted.nonEmpty, actual: actual,
      failure: failure, verdict: verdict, parameterDiff: differences,
      exchangeKey: decision.exchangeKey, usage: decision.usage,
      latencyMilliseconds: decision.latencyMilliseconds)
    if !verdicts.isEmpty { result.judged = verdicts.values.sorted { $0.path < $1.path } }
    if retention.keeps(verdict) {
      result.context = decision.renderedContext
      result.rawResponse = decision.rawResponse
    }
    if let failed = point.failedCall {
      let golden = RetryBehaviour.classify(expected, kind: point.kind, after: failed)
      let kind = actual.flatMap { reducer.vocabulary.kind(ofIntent: $0.name) }
      let made = RetryBehaviour.classify(actual, kind: kind, after: failed)
      result.expectedRetryBehaviour = golden?.rawValue
      result.retryBehaviour = made?.rawValue
      if made?.isRetry == true {
        result.overRetry = reducer.policy.reachesCap(failed.consecutiveErrors)
      }
    }
    return result
  }
}

/// The cases of one thread's step replay, and the source failures among them.
public struct StepReplayOutcome: Sendable, Hashable {
  public var cases: [CaseResult] = []
  /// One entry per `source_error` case.
  public var sourceFailures: [SuiteError] = []

  public init(cases: [CaseResult] = [], sourceFailures: [SuiteError] = []) {
    self.cases = cases
    self.sourceFailures = sourceFailures
  }
}

extension Array {
  /// Nil for an empty array (keeps optional fields out of results files).
  var nonEmpty: [Element]? { isEmpty ? nil : self }
}
