import RefoldTesting
import Testing

@testable import RefoldCore

private let deployVocabulary = Vocabulary(
  intents: [
    "list_git_tags": .sync, "check_deployment_status": .sync, "run_smoke_tests": .sync,
    "deploy_backend": .approval, "request_clarification": .human,
    "request_human_input": .human, "done_for_now": .terminal,
  ], infersUndeclared: false)

private func reducer(_ policy: ControlPolicy = .default) -> ThreadReducer {
  ThreadReducer(vocabulary: deployVocabulary, policy: policy)
}

private let trigger = [
  Event(
    thread: "t", seq: 0, type: "slack_message",
    data: ["from": "@alex", "text": "ship latest backend to prod"])
]

private func intent(_ name: String, _ parameters: JSONValue = .emptyObject) -> Decision.Outcome {
  .intent(Intent(name: name, parameters: parameters))
}

private func loop(
  _ decider: ScriptedDecider, _ tools: ScriptedToolRunner, _ policy: ControlPolicy = .default
) -> AgentLoop {
  AgentLoop(
    reducer: reducer(policy), decider: decider, tools: tools,
    clock: { "2026-11-20T10:00:00Z" })
}

private let tags: JSONValue = ["tags": ["v1.4.2", "v1.4.1"]]

@Suite struct AgentLoopTests {
  @Test func syncThenTerminal() async throws {
    let decider = ScriptedDecider([
      intent("list_git_tags"), intent("done_for_now", ["message": "ok"]),
    ])
    let tools = ScriptedToolRunner { _, _ in .success(tags) }
    let result = try await loop(decider, tools).advance(thread: "t", events: trigger)
    #expect(result.events.map(\.type) == ["list_git_tags", "list_git_tags_result", "done_for_now"])
    #expect(result.events.map(\.seq) == [1, 2, 3])
    #expect(result.events.allSatisfy { $0.at == "2026-11-20T10:00:00Z" && $0.thread == "t" })
    #expect(result.events[0].meta == ["exchange_key": "key-0"])
    #expect(result.events[1].data == tags)
    #expect(result.stop == .done(Intent(name: "done_for_now", parameters: ["message": "ok"])))
    #expect(result.state.status == .done)
    #expect(result.state.steps == 2)
    #expect(result.state == reducer().fold(trigger + result.events))
    // The decider saw the tool result before deciding it was done.
    #expect(decider.contexts[1].last?.type == "list_git_tags_result")
  }

  @Test func approvalPausesAndResumesAfterApproval() async throws {
    let deploy = Intent(
      name: "deploy_backend", parameters: ["tag": "v1.4.2", "environment": "production"])
    let decider = ScriptedDecider([
      .intent(deploy), intent("done_for_now", ["message": "deployed"]),
    ])
    let tools = ScriptedToolRunner { intent, _ in
      #expect(intent == deploy)
      return .success(["status": "ok"])
    }
    let agent = loop(decider, tools)
    let first = try await agent.advance(thread: "t", events: trigger)
    #expect(first.stop == .awaitingApproval(deploy))
    #expect(first.events.map(\.type) == ["deploy_backend"])
    #expect(tools.calls == 0)
    var events = trigger + first.events
    events.append(
      Event(
        thread: "t", seq: events.count, type: "approval", data: ["approved": true, "by": "@sam"]))
    // A fresh loop value: resuming needs nothing but the events.
    let second = try await loop(decider, tools).advance(thread: "t", events: events)
    #expect(tools.calls == 1)
    #expect(second.events.map(\.type) == ["deploy_backend_result", "done_for_now"])
    #expect(second.events.map(\.seq) == [3, 4])
    #expect(second.state.status == .done)
  }

  @Test func deniedApprovalContinuesWithFeedback() async throws {
    let production = Intent(
      name: "deploy_backend", parameters: ["tag": "v1.4.2", "environment": "production"])
    let staging = Intent(
      name: "deploy_backend", parameters: ["tag": "v1.4.2", "environment": "staging"])
    let decider = ScriptedDecider([.intent(production), .intent(staging)])
    let tools = ScriptedToolRunner { _, _ in .success([:]) }
    let agent = loop(decider, tools)
    let first = try await agent.advance(thread: "t", events: trigger)
    var events = trigger + first.events
    events.append(
      Event(
        thread: "t", seq: events.count, type: "approval",
        data: ["approved": false, "by": "@sam", "feedback": "staging first"]))
    let second = try await agent.advance(thread: "t", events: events)
    #expect(tools.calls == 0)
    #expect(second.stop == .awaitingApproval(staging))
    #expect(second.events.map(\.type) == ["deploy_backend"])
    let seenByModel = try #require(decider.contexts.last)
    #expect(seenByModel.last?.data["feedback"] == "staging first")
  }

  @Test func humanIntentPausesAndResumesOnResponse() async throws {
    let question = Intent(name: "request_clarification", parameters: ["question": "which env?"])
    let decider = ScriptedDecider([.intent(question), intent("done_for_now", ["message": "ok"])])
    let tools = ScriptedToolRunner { _, _ in .success([:]) }
    let agent = loop(decider, tools)
    let first = try await agent.advance(thread: "t", events: trigger)
    #expect(first.stop == .awaitingHuman(question))
    #expect(first.state.status == .awaitingHuman)
    var events = trigger + first.events
    events.append(
      Event(
        thread: "t", seq: events.count, type: "human_response",
        data: ["from": "@alex", "text": "prod"]))
    let second = try await agent.advance(thread: "t", events: events)
    #expect(second.stop == .done(Intent(name: "done_for_now", parameters: ["message": "ok"])))
  }

  @Test func undecodableAndUnknownOutputBecomeErrorsAndTheLoopGoesOn() async throws {
    let decider = ScriptedDecider([
      .failure("no tool call in the response"), intent("launch_rocket"),
      intent("done_for_now", ["message": "ok"]),
    ])
    let tools = ScriptedToolRunner { _, _ in .success([:]) }
    let result = try await loop(decider, tools).advance(thread: "t", events: trigger)
    #expect(result.events.map(\.type) == ["error", "error", "done_for_now"])
    #expect(result.events[0].data == ["message": "no tool call in the response"])
    #expect(result.events[1].data == ["message": "unknown intent \"launch_rocket\""])
    #expect(result.state.status == .done)
  }

  @Test func toolFailureBecomesErrorWithIntent() async throws {
    let decider = ScriptedDecider([
      intent("list_git_tags"), intent("list_git_tags"), intent("done_for_now", ["message": "ok"]),
    ])
    let tools = ScriptedToolRunner { _, index in
      index == 0 ? .failure("connection refused") : .success(tags)
    }
    let result = try await loop(decider, tools).advance(thread: "t", events: trigger)
    #expect(
      result.events.map(\.type) == [
        "list_git_tags", "error", "list_git_tags", "list_git_tags_result", "done_for_now",
      ])
    #expect(result.events[1].data == ["intent": "list_git_tags", "message": "connection refused"])
    #expect(result.state.consecutiveErrors == 0)
  }

  @Test func deterministicEscalationAtTheCap() async throws {
    let decider = ScriptedDecider(Array(repeating: intent("list_git_tags"), count: 10))
    let tools = ScriptedToolRunner { _, _ in .failure("connection refused") }
    let result = try await loop(decider, tools).advance(thread: "t", events: trigger)
    #expect(tools.calls == 3)
    #expect(result.stop == .escalated)
    #expect(result.state.status == .escalated)
    let last = try #require(result.events.last)
    #expect(last.type == "request_human_input")
    #expect(last.isEscalation)
    #expect(last.data["urgency"] == "high")
    #expect(last.data["question"]?.stringValue?.contains("connection refused") == true)
    #expect(result.events.count == 7)
  }

  @Test func globalCountingEscalatesAcrossIntentsButPerIntentDoesNot() async throws {
    let alternating: [Decision.Outcome] = (0..<6).map { index in
      index % 2 == 0
        ? intent("list_git_tags")
        : intent("check_deployment_status", ["service": "backend", "environment": "staging"])
    }
    let failing: @Sendable (Intent, Int) -> ToolOutcome = { _, _ in .failure("timeout") }

    let global = try await loop(ScriptedDecider(alternating), ScriptedToolRunner(failing))
      .advance(thread: "t", events: trigger)
    #expect(global.stop == .escalated)
    #expect(global.state.steps == 4)

    let perIntentPolicy = ControlPolicy(countsErrorsPerIntent: true, stepBudget: 5)
    let perIntent = try await loop(
      ScriptedDecider(alternating), ScriptedToolRunner(failing), perIntentPolicy
    ).advance(thread: "t", events: trigger)
    // Two errors per intent after four decisions: below the cap; the fifth decision spends
    // the budget.
    #expect(perIntent.stop == .stepLimit)
    #expect(perIntent.state.steps == 5)
    #expect(!perIntent.events.contains { $0.isEscalation })

    let perIntentLonger = try await loop(
      ScriptedDecider(alternating), ScriptedToolRunner(failing),
      ControlPolicy(countsErrorsPerIntent: true, stepBudget: 20)
    ).advance(thread: "t", events: trigger)
    #expect(perIntentLonger.stop == .escalated)
    #expect(perIntentLonger.state.steps == 6)
  }

  @Test func modelEscalationGetsOneDecisionAtTheCap() async throws {
    let policy = ControlPolicy(escalation: .model)
    let failing: @Sendable (Intent, Int) -> ToolOutcome = { _, _ in .failure("timeout") }
    let handsOver = ScriptedDecider(
      Array(repeating: intent("list_git_tags"), count: 3) + [
        intent("request_human_input", ["question": "tags keep timing out"])
      ])
    let polite = try await loop(handsOver, ScriptedToolRunner(failing), policy)
      .advance(thread: "t", events: trigger)
    #expect(
      polite.stop
        == .awaitingHuman(
          Intent(name: "request_human_input", parameters: ["question": "tags keep timing out"])))
    #expect(!polite.events.contains { $0.isEscalation })

    let stubborn = ScriptedDecider(Array(repeating: intent("list_git_tags"), count: 10))
    let forced = try await loop(stubborn, ScriptedToolRunner(failing), policy)
      .advance(thread: "t", events: trigger)
    #expect(forced.stop == .escalated)
    #expect(forced.state.steps == 5)
    #expect(forced.events.last?.meta == ["escalation": true, "forced": true])
  }

  @Test func stepBudgetStopsTheLoop() async throws {
    let decider = ScriptedDecider(Array(repeating: intent("list_git_tags"), count: 10))
    let tools = ScriptedToolRunner { _, _ in .success(tags) }
    let result = try await loop(decider, tools, ControlPolicy(stepBudget: 4))
      .advance(thread: "t", events: trigger)
    #expect(result.stop == .stepLimit)
    #expect(result.state.steps == 4)
    #expect(tools.calls == 4)
    #expect(decider.contexts.count == 4)
    #expect(result.events.last?.type == "list_git_tags_result")
  }

  @Test func runnerFailureStopsWithTheError() async throws {
    struct Broken: Error {}
    let decider = ScriptedDecider([intent("list_git_tags")])
    let tools = ScriptedToolRunner { _, _ in throw Broken() }
    let result = try await loop(decider, tools).advance(thread: "t", events: trigger)
    guard case .runnerFailed(let failed, _) = result.stop else {
      Issue.record("expected runnerFailed, got \(result.stop)")
      return
    }
    #expect(failed.name == "list_git_tags")
    #expect(result.runnerError is Broken)
    #expect(result.events.map(\.type) == ["list_git_tags"])
  }

  @Test func deciderFailureKeepsThePartialEvents() async throws {
    let decider = ScriptedDecider([intent("list_git_tags")])
    let tools = ScriptedToolRunner { _, _ in .success(tags) }
    do {
      _ = try await loop(decider, tools).advance(thread: "t", events: trigger)
      Issue.record("expected the loop to be interrupted")
    } catch let interrupted as AgentLoopInterrupted {
      #expect(
        interrupted.underlying as? RefoldTestingError
          == .noScriptedAnswer(thread: "t", call: 1, eventCount: 3))
      #expect(interrupted.partial.events.map(\.type) == ["list_git_tags", "list_git_tags_result"])
      #expect(interrupted.partial.stop == .sourceFailed)
    }
  }

  @Test func settledThreadsAreNotAskedAgain() async throws {
    let decider = ScriptedDecider([])
    let tools = ScriptedToolRunner { _, _ in .success([:]) }
    let events =
      trigger + [Event(thread: "t", seq: 1, type: "done_for_now", data: ["message": "x"])]
    let result = try await loop(decider, tools).advance(thread: "t", events: events)
    #expect(result.events.isEmpty)
    #expect(result.stop == .done(Intent(name: "done_for_now", parameters: ["message": "x"])))
    #expect(decider.contexts.isEmpty)
  }

  @Test func systemClockFormatsRFC3339() {
    #expect(SystemClockFormatter.format(secondsSince1970: 0) == "1970-01-01T00:00:00.000Z")
    #expect(
      SystemClockFormatter.format(secondsSince1970: 1_795_687_200.25)
        == "2026-11-26T10:00:00.250Z")
    #expect(Timestamp.isRFC3339(SystemClockFormatter.now()))
  }
}
