import RefoldCore
import RefoldShared
import RefoldTesting
import Testing

@testable import RefoldEval

private let production: JSONValue = ["tag": "v1.4.2", "environment": "production"]

/// A thread whose deploy failed once; `next` is what the golden agent did after the error.
private func afterError(_ next: (String, JSONValue)) -> [Event] {
  thread(
    "retry",
    [
      ("slack_message", ["from": "@alex", "text": "ship v1.4.2 to prod"]),
      ("deploy_backend", production),
      ("approval", ["approved": true, "by": "@sam"]),
      ("error", ["intent": "deploy_backend", "message": "tag v1.4.2 not found"]),
      next,
    ])
}

private let corrected = (
  "deploy_backend", ["tag": "v1.4.1", "environment": "production"] as JSONValue
)
private let identical = ("deploy_backend", production)
private let gaveUp = ("done_for_now", ["message": "could not deploy"] as JSONValue)
private let unrelated = ("list_git_tags", JSONValue.emptyObject)
private let escalated = ("request_human_input", ["question": "tag missing, what now?"] as JSONValue)

private func replay(golden: [Event], answer: (String, JSONValue)) async -> [CaseResult] {
  let decider = scripted { _, events in
    events.count == 4 ? .intent(Intent(name: answer.0, parameters: answer.1)) : nil
  }
  let replay = StepReplay(
    reducer: deployReducer, decider: decider,
    expectations: Expectations(entries: [
      ThreadExpectation(thread: "retry", steps: [StepExpectation(selector: .step(0), ignore: true)])
    ]))
  return await replay.run(GoldenThread(events: golden, reducer: deployReducer)).cases
}

@Suite struct StepReplayTests {
  @Test func decisionPointsSkipRuntimeEscalations() {
    let events = thread(
      "t",
      [
        ("slack_message", ["text": "hi"]), ("list_git_tags", [:]),
        ("error", ["intent": "list_git_tags", "message": "x"]),
        ("request_human_input", ["question": "help", "urgency": "high"]),
        ("human_response", ["text": "try again"]), ("list_git_tags", [:]),
      ], meta: [3: ["escalation": true]])
    let golden = GoldenThread(events: events, reducer: deployReducer)
    #expect(golden.decisions.map(\.eventIndex) == [1, 5])
    #expect(golden.decisions.map(\.step) == [0, 1])
    #expect(golden.decisions[0].failedCall == nil)
  }

  @Test func scoresEveryDecisionOfAGoldenThread() async {
    let events = happyThread("happy")
    let decider = oracle(
      [events], reducer: deployReducer,
      overrides: [
        "happy": [
          1: .intent(
            Intent(
              name: "deploy_backend", parameters: ["tag": "v1.4.1", "environment": "production"])),
          2: .intent(Intent(name: "run_smoke_tests", parameters: ["environment": "production"])),
          3: .failure("no tool call in the response"),
        ]
      ])
    let outcome = await StepReplay(reducer: deployReducer, decider: decider)
      .run(GoldenThread(events: events, reducer: deployReducer))
    #expect(outcome.cases.map(\.id) == ["happy#0", "happy#1", "happy#2", "happy#3"])
    #expect(outcome.cases.map(\.seq) == [1, 3, 6, 8])
    #expect(
      outcome.cases.map(\.verdict) == [.pass, .wrongParameters, .wrongIntent, .invalidOutput])
    let diff = outcome.cases[1].parameterDiff ?? []
    #expect(
      diff == [
        ParameterDifference(
          path: "tag", expected: "v1.4.2", actual: "v1.4.1", matcher: "exact", reason: "differs")
      ])
    #expect(outcome.cases[3].failure == "no tool call in the response")
    // Context and raw response only where the case failed.
    #expect(outcome.cases[0].context == nil)
    #expect(outcome.cases[1].context == "ctx")
    #expect(outcome.cases[1].rawResponse == ["raw": true])
    #expect(outcome.cases[0].usage == TokenUsage(inputTokens: 100, outputTokens: 10))
    #expect(outcome.cases[0].exchangeKey == "k1")
    #expect(outcome.sourceFailures.isEmpty)
  }

  @Test func overridesAcceptIgnoreAndMatchers() async {
    let events = happyThread("happy")
    let decider = oracle(
      [events], reducer: deployReducer,
      overrides: [
        "happy": [
          0: .intent(Intent(name: "request_clarification", parameters: ["question": "which?"])),
          1: .intent(
            Intent(
              name: "deploy_backend", parameters: ["tag": "v1.4.9", "environment": "production"])),
          3: .failure("garbage"),
        ]
      ])
    let expectations = Expectations(entries: [
      ThreadExpectation(
        thread: "happy*",
        steps: [
          StepExpectation(selector: .step(0), acceptedIntents: ["request_clarification"]),
          StepExpectation(selector: .seq(3), parameters: ["tag": .regex(#"v1\.4\.\d"#)]),
          StepExpectation(selector: .step(3), ignore: true),
        ])
    ])
    let outcome = await StepReplay(
      reducer: deployReducer, decider: decider, expectations: expectations
    )
    .run(GoldenThread(events: events, reducer: deployReducer))
    #expect(outcome.cases.map(\.id) == ["happy#0", "happy#1", "happy#2"])
    #expect(outcome.cases.allSatisfy { $0.passed })
    #expect(outcome.cases[0].accepted == ["request_clarification"])
  }

  @Test func sourceErrorsAreCasesAndSurfaced() async {
    let events = happyThread("happy")
    let decider = scripted { _, events in
      events.count == 3 ? nil : .intent(Intent(name: "list_git_tags"))
    }
    let keepGoing = await StepReplay(reducer: deployReducer, decider: decider)
      .run(GoldenThread(events: events, reducer: deployReducer))
    #expect(keepGoing.cases.map(\.verdict) == [.pass, .sourceError, .wrongIntent, .wrongIntent])
    #expect(keepGoing.sourceFailures.count == 1)
    #expect(keepGoing.cases[1].failure?.contains("no scripted answer for thread happy") == true)
    #expect(keepGoing.sourceFailures.first?.description.contains("decision 1") == true)

    let stopping = await StepReplay(
      reducer: deployReducer, decider: decider, stopOnSourceError: true
    )
    .run(GoldenThread(events: events, reducer: deployReducer))
    #expect(stopping.cases.map(\.verdict) == [.pass, .sourceError])
  }

  @Test(arguments: [
    (corrected, corrected, "corrected_retry", "corrected_retry"),
    (corrected, identical, "corrected_retry", "identical_retry"),
    (identical, gaveUp, "identical_retry", "gave_up"),
    (corrected, unrelated, "corrected_retry", "gave_up"),
    (escalated, escalated, "escalated", "escalated"),
    (gaveUp, escalated, "gave_up", "escalated"),
  ])
  func retryBehaviourAfterAnError(
    golden: (String, JSONValue), actual: (String, JSONValue), expectedLabel: String,
    actualLabel: String
  ) async {
    let cases = await replay(golden: afterError(golden), answer: actual)
    let only = cases.first
    #expect(cases.count == 1)
    #expect(only?.expectedRetryBehaviour == expectedLabel)
    #expect(only?.retryBehaviour == actualLabel)
    #expect(only?.overRetry == (actualLabel.hasSuffix("retry") ? false : nil))
  }

  @Test func escalationTimingInStepMode() async {
    var scorer = Scorer()
    // Golden escalates, the model escalates too: on time.
    scorer.add(contentsOf: await replay(golden: afterError(escalated), answer: escalated))
    // Golden escalates, the model retries: late.
    scorer.add(contentsOf: await replay(golden: afterError(escalated), answer: corrected))
    // Golden retries, the model escalates: early.
    scorer.add(contentsOf: await replay(golden: afterError(corrected), answer: escalated))
    // Neither escalates: not an escalation case.
    scorer.add(contentsOf: await replay(golden: afterError(corrected), answer: identical))
    let summary = scorer.summary
    #expect(summary.escalation.onTime == 1)
    #expect(summary.escalation.late == 1)
    #expect(summary.escalation.early == 1)
    #expect(summary.escalation.never == 0)
    #expect(summary.escalation.onTimeRate.passed == 1)
    #expect(summary.escalation.onTimeRate.total == 3)
    #expect(summary.retry.afterError == 4)
    #expect(summary.retry.escalated == 2)
    #expect(summary.retry.correctedRetry == 1)
    #expect(summary.retry.identicalRetry == 1)
    #expect(summary.retry.expectedBehaviour.passed == 1)
  }

  @Test func retriesAtTheCapAreOverRetries() async {
    let failure: (String, JSONValue) = ("error", ["intent": "list_git_tags", "message": "timeout"])
    let events = thread(
      "cap",
      [
        ("slack_message", ["text": "tags?"]),
        ("list_git_tags", [:]), failure,
        ("list_git_tags", [:]), failure,
        ("list_git_tags", [:]), failure,
        ("request_human_input", ["question": "git is down"]),
      ])
    let decider = scripted { _, _ in .intent(Intent(name: "list_git_tags")) }
    let cases = await StepReplay(reducer: deployReducer, decider: decider)
      .run(GoldenThread(events: events, reducer: deployReducer)).cases
    #expect(cases.map { $0.overRetry } == [nil, false, false, true])
    #expect(
      cases.map { $0.retryBehaviour } == [
        nil, "identical_retry", "identical_retry", "identical_retry",
      ])
    var scorer = Scorer()
    scorer.add(contentsOf: cases)
    #expect(scorer.summary.retry.overRetries == 1)
    #expect(scorer.summary.escalation.late == 1)
  }
}
