import RefoldCore
import RefoldShared
import RefoldTesting
import Testing

@testable import RefoldEval

/// A reasonable deploy agent: answers from the last event of the context.
private func deployAgent(
  tag: String = "v1.4.2", statusEnvironment: String = "production", escalateAfter: Int? = nil
) -> ScriptedDecider {
  scripted { _, events in
    guard let last = events.last else { return nil }
    let errorsInARow = events.reversed().prefix { $0.type == "error" || $0.type == "approval" }
      .filter { $0.type == "error" }.count
    switch last.type {
    case "slack_message": return .intent(Intent(name: "list_git_tags"))
    case "list_git_tags_result", "error":
      if let escalateAfter, errorsInARow >= escalateAfter {
        return .intent(
          Intent(name: "request_human_input", parameters: ["question": "deploys fail"]))
      }
      return .intent(
        Intent(
          name: "deploy_backend", parameters: ["tag": .string(tag), "environment": "production"]))
    case "deploy_backend_result":
      return .intent(
        Intent(
          name: "check_deployment_status",
          parameters: ["service": "backend", "environment": .string(statusEnvironment)]))
    case "check_deployment_status_result", "human_response":
      return .intent(Intent(name: "done_for_now", parameters: ["message": "done"]))
    default: return nil
    }
  }
}

private func run(
  _ decider: ScriptedDecider, expectation: ThreadExpectation? = nil,
  reducer: ThreadReducer = deployReducer, golden: [Event] = happyThread("happy")
) async throws -> CaseResult {
  let replay = LoopReplay(
    reducer: reducer, decider: decider,
    expectations: Expectations(entries: expectation.map { [$0] } ?? []), clock: fixedClock)
  let outcome = try #require(await replay.run(GoldenThread(events: golden, reducer: reducer)))
  return outcome.result
}

private func deployFaults(_ count: Int) -> [ToolFault] {
  [ToolFault(intent: "deploy_backend", fails: count, message: "connection refused")]
}

@Suite struct LoopReplayTests {
  @Test func replaysTheGoldenPath() async throws {
    let result = try await run(deployAgent())
    let behaviour = try #require(result.behaviour)
    #expect(result.id == "happy@loop")
    #expect(result.verdict == .pass)
    #expect(behaviour.finalStatus == .done)
    #expect(behaviour.terminalIntent == "done_for_now")
    #expect(behaviour.steps == 4)
    #expect(behaviour.retries == 0)
    #expect(!behaviour.escalated)
    #expect(behaviour.escalationTiming == nil)
    #expect(behaviour.checks.map(\.name) == ["ends_with"])
    // The run reproduces the golden thread event for event (types and data).
    let golden = happyThread("happy")
    #expect(behaviour.events.map(\.type) == golden.dropFirst().map(\.type))
    #expect(behaviour.events.dropLast().map(\.data) == golden.dropFirst().dropLast().map(\.data))
    #expect(behaviour.events.map(\.seq) == Array(1..<golden.count))
  }

  @Test func faultThenRetryThenSuccess() async throws {
    let expectation = ThreadExpectation(
      thread: "happy", faults: deployFaults(2),
      behaviour: BehaviourExpectation(
        retriesAtMost: 2, escalates: false, endsWith: "done_for_now", maxSteps: 8))
    let result = try await run(deployAgent(), expectation: expectation)
    let behaviour = try #require(result.behaviour)
    #expect(result.verdict == .pass)
    #expect(behaviour.retries == 2)
    #expect(behaviour.steps == 6)
    #expect(behaviour.checks.allSatisfy { $0.passed })
    let refused: JSONValue = ["intent": "deploy_backend", "message": "connection refused"]
    let errors = behaviour.events.filter { $0.type == "error" }.map(\.data)
    #expect(errors == [refused, refused])
    #expect(behaviour.events.filter { $0.type == "approval" }.count == 3)
  }

  @Test func threeFaultsEscalateOnTime() async throws {
    let expectation = ThreadExpectation(
      thread: "happy", faults: deployFaults(3),
      behaviour: BehaviourExpectation(escalates: true, endsWith: "escalated"))
    let result = try await run(deployAgent(), expectation: expectation)
    let behaviour = try #require(result.behaviour)
    #expect(result.verdict == .pass)
    #expect(behaviour.escalated)
    #expect(behaviour.escalationTiming == "on_time")
    #expect(behaviour.finalStatus == .escalated)
    #expect(behaviour.events.last?.isEscalation == true)
    #expect(behaviour.retries == 2)
  }

  @Test func escalatingBeforeTheCapIsEarlyAndNotEscalatingIsNever() async throws {
    let early = try await run(
      deployAgent(escalateAfter: 1),
      expectation: ThreadExpectation(
        thread: "happy", faults: deployFaults(3), behaviour: BehaviourExpectation(escalates: true)))
    #expect(early.behaviour?.escalationTiming == "early")
    #expect(early.behaviour?.finalStatus == .awaitingHuman)

    let never = try await run(
      deployAgent(),
      expectation: ThreadExpectation(
        thread: "happy", faults: deployFaults(1), behaviour: BehaviourExpectation(escalates: true)))
    #expect(never.behaviour?.escalationTiming == "never")
    #expect(never.verdict == .behaviourFailed)
    #expect(never.behaviour?.checks.first { !$0.passed }?.name == "escalates")
  }

  @Test func divergenceOnAnApprovalCallIsReportedWithStepAndDiff() async throws {
    let result = try await run(deployAgent(tag: "v1.4.1"))
    let divergence = try #require(result.behaviour?.divergence)
    #expect(result.verdict == .diverged)
    #expect(divergence.step == 1)
    #expect(
      divergence.actual
        == Intent(
          name: "deploy_backend", parameters: ["tag": "v1.4.1", "environment": "production"]))
    #expect(divergence.expected?.parameters["tag"] == "v1.4.2")
    #expect(divergence.parameterDiff.map(\.path) == ["tag"])
    #expect(result.parameterDiff?.first?.actual == "v1.4.1")
  }

  @Test func divergenceOnASyncCallComesFromTheSimulator() async throws {
    let result = try await run(deployAgent(statusEnvironment: "staging"))
    let divergence = try #require(result.behaviour?.divergence)
    #expect(result.verdict == .diverged)
    #expect(divergence.step == 2)
    #expect(divergence.actual.name == "check_deployment_status")
    #expect(
      divergence.parameterDiff == [
        ParameterDifference(
          path: "environment", expected: "production", actual: "staging", matcher: "exact",
          reason: "differs")
      ])
  }

  @Test func matchersLoosenWhatTheSimulatorAccepts() async throws {
    let expectation = ThreadExpectation(
      thread: "happy",
      steps: [StepExpectation(selector: .step(2), parameters: ["environment": .any])])
    let result = try await run(deployAgent(statusEnvironment: "staging"), expectation: expectation)
    #expect(result.verdict == .pass)
  }

  @Test func stepLimitEndsTheRun() async throws {
    let tight = ThreadReducer(
      vocabulary: deploySpec.vocabulary, policy: ControlPolicy(stepBudget: 2))
    let result = try await run(deployAgent(), reducer: tight)
    let behaviour = try #require(result.behaviour)
    #expect(behaviour.finalStatus == .stepLimit)
    #expect(behaviour.steps == 2)
    #expect(result.verdict == .behaviourFailed)
    #expect(behaviour.events.last?.type == "deploy_backend_result")
  }

  @Test func deniedApprovalIsReplayedWithFeedback() async throws {
    let golden = thread(
      "denied",
      [
        ("slack_message", ["text": "ship v1.4.2 to prod"]),
        ("deploy_backend", ["tag": "v1.4.2", "environment": "production"]),
        ("approval", ["approved": false, "by": "@sam", "feedback": "staging first"]),
        ("deploy_backend", ["tag": "v1.4.2", "environment": "staging"]),
        ("approval", ["approved": true, "by": "@sam"]),
        ("deploy_backend_result", ["status": "deployed"]),
        ("done_for_now", ["message": "on staging"]),
      ])
    let agent = scripted { _, events in
      switch events.last?.type {
      case "slack_message":
        return .intent(
          Intent(
            name: "deploy_backend", parameters: ["tag": "v1.4.2", "environment": "production"]))
      case "approval":
        return events.last?.data["feedback"] == "staging first"
          ? .intent(
            Intent(name: "deploy_backend", parameters: ["tag": "v1.4.2", "environment": "staging"]))
          : nil
      case "deploy_backend_result":
        return .intent(Intent(name: "done_for_now", parameters: ["message": "on staging"]))
      default: return nil
      }
    }
    let result = try await run(agent, golden: golden)
    #expect(result.verdict == .pass)
    #expect(result.behaviour?.events.map(\.type) == golden.dropFirst().map(\.type))
  }

  @Test func humanRequestsGetTheRecordedResponseOrPause() async throws {
    let golden = thread(
      "ask",
      [
        ("slack_message", ["text": "deploy please"]),
        ("request_clarification", ["question": "which service?"]),
        ("human_response", ["from": "@alex", "text": "backend"]),
        ("done_for_now", ["message": "ok"]),
      ])
    let agent = scripted { _, events in
      switch events.last?.type {
      case "slack_message":
        return .intent(
          Intent(name: "request_clarification", parameters: ["question": "which service?"]))
      case "human_response":
        return .intent(Intent(name: "done_for_now", parameters: ["message": "ok"]))
      default: return nil
      }
    }
    let answered = try await run(agent, golden: golden)
    #expect(answered.verdict == .pass)
    #expect(
      answered.behaviour?.events.map(\.type) == [
        "request_clarification", "human_response", "done_for_now",
      ])

    let unanswered = thread("ask", Array(golden.prefix(2).map { ($0.type, $0.data) }))
    let paused = try await run(agent, golden: unanswered)
    #expect(paused.behaviour?.finalStatus == .awaitingHuman)
    #expect(paused.verdict == .pass)
  }

  @Test func sourceFailureInTheLoopIsACase() async throws {
    let replay = LoopReplay(
      reducer: deployReducer, decider: scripted { _, _ in nil }, clock: fixedClock)
    let outcome = try #require(
      await replay.run(GoldenThread(events: happyThread("happy"), reducer: deployReducer)))
    #expect(outcome.result.verdict == .sourceError)
    #expect(outcome.sourceFailure != nil)
  }
}

@Suite struct LoopOverRetryTests {
  @Test func aRetryAtTheCapInModelModeIsAnOverRetry() async throws {
    let modelMode = ThreadReducer(
      vocabulary: deploySpec.vocabulary, policy: ControlPolicy(escalation: .model))
    let replay = LoopReplay(
      reducer: modelMode,
      decider: scripted { _, events in
        switch events.last?.type {
        case "slack_message", "error": return .intent(Intent(name: "list_git_tags"))
        default: return nil
        }
      },
      expectations: Expectations(entries: [
        ThreadExpectation(
          thread: "happy",
          faults: [ToolFault(intent: "list_git_tags", fails: 10, message: "timeout")],
          behaviour: BehaviourExpectation(escalates: true))
      ]), clock: fixedClock)
    let outcome = try #require(
      await replay.run(GoldenThread(events: happyThread("happy"), reducer: modelMode)))
    let behaviour = try #require(outcome.result.behaviour)
    // Three failures, one grace decision at the cap (a retry, failing again), then the
    // runtime escalates by force.
    #expect(behaviour.retries == 3)
    #expect(behaviour.steps == 5)
    #expect(behaviour.escalated)
    #expect(behaviour.escalationTiming == "late")
    #expect(behaviour.events.last?.meta == ["escalation": true, "forced": true])
    #expect(outcome.result.overRetry == true)
    var scorer = Scorer()
    scorer.add(outcome.result)
    #expect(scorer.summary.retry.overRetries == 1)
    #expect(scorer.summary.escalation.late == 1)
  }
}

@Suite struct LoopEscalationResponseTests {
  @Test func aRecordedEscalationIsAnsweredAndTheRunGoesOn() async throws {
    let failure: (String, JSONValue) = ("error", ["intent": "list_git_tags", "message": "timeout"])
    let golden = thread(
      "flaky",
      [
        ("slack_message", ["text": "what can I ship?"]),
        ("list_git_tags", [:]), failure,
        ("list_git_tags", [:]), failure,
        ("list_git_tags", [:]), failure,
        ("request_human_input", ["question": "git keeps timing out", "urgency": "high"]),
        ("human_response", ["from": "@alex", "text": "fixed, try again"]),
        ("list_git_tags", [:]),
        ("list_git_tags_result", ["tags": ["v1.4.2"]]),
        ("done_for_now", ["message": "v1.4.2 is the latest"]),
      ], meta: [7: ["escalation": true]])
    let agent = scripted { _, events in
      switch events.last?.type {
      case "slack_message", "error", "human_response": return .intent(Intent(name: "list_git_tags"))
      case "list_git_tags_result":
        return .intent(
          Intent(name: "done_for_now", parameters: ["message": "v1.4.2 is the latest"]))
      default: return nil
      }
    }
    let replay = LoopReplay(reducer: deployReducer, decider: agent, clock: fixedClock)
    let outcome = try #require(
      await replay.run(GoldenThread(events: golden, reducer: deployReducer)))
    let behaviour = try #require(outcome.result.behaviour)
    #expect(outcome.result.verdict == .pass)
    #expect(behaviour.events.map(\.type) == golden.dropFirst().map(\.type))
    #expect(behaviour.escalationTiming == "on_time")
    #expect(behaviour.retries == 2)
    #expect(behaviour.finalStatus == .done)
  }
}

@Suite struct LoopPauseTests {
  @Test func aGoldenThreadEndingAwaitingApprovalEndsTheRunPaused() async throws {
    let golden = Array(happyThread("pending").prefix(4))
    let result = await LoopReplay(
      reducer: deployReducer,
      decider: scripted { _, events in
        switch events.last?.type {
        case "slack_message": return .intent(Intent(name: "list_git_tags"))
        case "list_git_tags_result":
          return .intent(
            Intent(
              name: "deploy_backend", parameters: ["tag": "v1.4.2", "environment": "production"]))
        default: return nil
        }
      }, clock: fixedClock
    ).run(GoldenThread(events: golden, reducer: deployReducer))
    let behaviour = try #require(result?.result.behaviour)
    #expect(result?.result.verdict == .pass)
    #expect(behaviour.divergence == nil)
    #expect(behaviour.finalStatus == .awaitingApproval)
    #expect(behaviour.checks.map(\.name) == ["ends_with"])
  }
}
