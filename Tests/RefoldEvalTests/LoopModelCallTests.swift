import Foundation
import RefoldCore
import RefoldShared
import RefoldTesting
import Testing

@testable import RefoldEval

/// A deploy agent that lists tags, deploys (again after every error), checks and finishes;
/// each answer carries a context naming how many events it saw, padded to `padding` bytes.
private func countingAgent(padding: Int = 0) -> ScriptedDecider {
  ScriptedDecider { _, events in
    guard let last = events.last else { return nil }
    let intent: Intent
    switch last.type {
    case "slack_message": intent = Intent(name: "list_git_tags")
    case "list_git_tags_result", "error":
      intent = Intent(
        name: "deploy_backend", parameters: ["tag": "v1.4.2", "environment": "production"])
    case "deploy_backend_result":
      intent = Intent(
        name: "check_deployment_status",
        parameters: ["service": "backend", "environment": "production"])
    case "check_deployment_status_result":
      intent = Intent(name: "done_for_now", parameters: ["message": "done"])
    default: return nil
    }
    let context = "context of \(events.count) events" + String(repeating: ".", count: padding)
    return Decision(
      outcome: .intent(intent), exchangeKey: "key-\(events.count)",
      usage: TokenUsage(inputTokens: events.count, outputTokens: 1),
      latencyMilliseconds: 2, renderedContext: context,
      rawResponse: ["answer": .string(intent.name), "events": .int(Int64(events.count))])
  }
}

private func loopRun(
  _ decider: ScriptedDecider, faults: Int, escalates: Bool?, retention: ContextRetention = .failing
) async throws -> CaseResult {
  let expectation = ThreadExpectation(
    thread: "happy",
    faults: faults > 0
      ? [ToolFault(intent: "deploy_backend", fails: faults, message: "connection refused")] : [],
    behaviour: BehaviourExpectation(escalates: escalates))
  let replay = LoopReplay(
    reducer: deployReducer, decider: decider, expectations: Expectations(entries: [expectation]),
    retention: retention, clock: fixedClock)
  let golden = GoldenThread(events: happyThread("happy"), reducer: deployReducer)
  return try #require(await replay.run(golden)).result
}

@Suite struct LoopModelCallTests {
  @Test func eachCallKeepsTheContextItSawItsAnswerAndItsMarks() async throws {
    // Three refused deploys: two identical retries, then the runtime escalates at the cap;
    // the run was expected not to escalate, so it fails and keeps its contexts.
    let result = try await loopRun(countingAgent(), faults: 3, escalates: false)
    let behaviour = try #require(result.behaviour)
    #expect(result.verdict == .behaviourFailed)
    let calls = try #require(behaviour.modelCalls)
    #expect(calls.map(\.step) == [0, 1, 2, 3])
    #expect(
      calls.map(\.intent?.name) == [
        "list_git_tags", "deploy_backend", "deploy_backend", "deploy_backend",
      ])
    // Each call's seq is the event its answer became, and the model saw every event before it.
    for call in calls {
      let event = try #require(behaviour.events.first { $0.seq == call.seq })
      #expect(event.type == call.intent?.name)
      #expect(call.context == "context of \(call.seq) events")
      #expect(call.rawResponse?["events"] == .int(Int64(call.seq)))
      #expect(call.exchangeKey == "key-\(call.seq)")
      #expect(call.usage == TokenUsage(inputTokens: call.seq, outputTokens: 1))
      #expect(call.omitted == nil)
    }
    #expect(Set(calls.compactMap(\.context)).count == 4)
    #expect(calls.map(\.retryBehaviour) == [nil, nil, "identical_retry", "identical_retry"])
    #expect(calls.map(\.escalation) == [nil, nil, nil, true])
    #expect(behaviour.events.last?.isEscalation == true)
    // The case's own context is still the last call's.
    #expect(result.context == calls.last?.context)
  }

  @Test func aPassingRunListsItsCallsWithoutTheirContexts() async throws {
    let result = try await loopRun(countingAgent(), faults: 0, escalates: nil)
    #expect(result.verdict == .pass)
    let calls = try #require(result.behaviour?.modelCalls)
    #expect(
      calls.map(\.intent?.name) == [
        "list_git_tags", "deploy_backend", "check_deployment_status", "done_for_now",
      ])
    #expect(calls.allSatisfy { $0.context == nil && $0.rawResponse == nil && $0.omitted == nil })
    let kept = try await loopRun(countingAgent(), faults: 0, escalates: nil, retention: .all)
    #expect(kept.behaviour?.modelCalls?.allSatisfy { $0.context != nil } == true)
  }

  @Test func contextsPastTheRunsCapAreOmitted() async throws {
    let result = try await loopRun(
      countingAgent(padding: 100_000), faults: 3, escalates: false)
    let calls = try #require(result.behaviour?.modelCalls)
    #expect(calls.count == 4)
    #expect(calls.prefix(2).allSatisfy { $0.context != nil && $0.omitted == nil })
    #expect(calls.dropFirst(2).allSatisfy { $0.context == nil && $0.omitted == true })
    let kept = calls.compactMap(\.context).map(\.utf8.count).reduce(0, +)
    #expect(kept <= LoopModelCall.maxDetailBytes)
  }

  @Test func modelCallsRoundTripThroughResultsJSON() async throws {
    let result = try await loopRun(countingAgent(), faults: 3, escalates: false)
    let info = RunInfo(
      id: "r", suite: "s", variant: "v", modes: ["loop"], modelSource: "recorded",
      startedAt: "2026-11-20T10:00:00Z", finishedAt: "2026-11-20T10:00:00Z", toolVersion: "t")
    var scorer = Scorer()
    scorer.add(result)
    let results = RunResults(
      run: info, summary: scorer.summary, byIntent: scorer.breakdown, cases: [result])
    let data = try ResultsWriter.encode(results)
    let decoded = try JSONDecoder().decode(RunResults.self, from: data)
    #expect(decoded.cases == [result])
    let text = String(decoding: data, as: UTF8.self)
    #expect(text.contains(#""model_calls" : ["#))
    #expect(text.contains(#""retry_behaviour" : "identical_retry""#))
  }
}
