import RefoldTesting
import Testing

@testable import RefoldCore

/// The agent loop carries out what the thread machine says comes next, and nothing else.
@Suite struct AgentLoopInterpreterTests {
  /// Under the default vocabulary the model may decide an intent the thread so far has
  /// shown to be a sync call (its `_result` is there); the machine knows it, so it runs.
  @Test func anIntentInferredFromTheThreadRuns() async throws {
    let trigger = [
      Event(thread: "t", seq: 0, type: "user_input", data: ["text": "logs again"]),
      Event(thread: "t", seq: 1, type: "fetch_logs", data: ["service": "api"]),
      Event(thread: "t", seq: 2, type: "fetch_logs_result", data: ["lines": 3]),
    ]
    let decider = ScriptedDecider([
      .intent(Intent(name: "fetch_logs", parameters: ["service": "db"])),
      .intent(Intent(name: "done_for_now", parameters: ["message": "here"])),
    ])
    let tools = ScriptedToolRunner { _, _ in .success(["lines": 5]) }
    let loop = AgentLoop(reducer: ThreadReducer(), decider: decider, tools: tools, clock: { nil })
    let result = try await loop.advance(thread: "t", events: trigger)
    #expect(result.events.map(\.type) == ["fetch_logs", "fetch_logs_result", "done_for_now"])
    #expect(tools.calls == 1)
    #expect(result.stop == .done(Intent(name: "done_for_now", parameters: ["message": "here"])))
    #expect(result.state == ThreadReducer().fold(trigger + result.events))
    #expect(result.state.intentCounts == ["fetch_logs": 2, "done_for_now": 1])
  }

  /// A vocabulary that does not read `<intent>_result` as the call's result leaves the call
  /// pending; the loop stops instead of running the tool again and again.
  @Test func aResultThatAnswersNothingStopsTheLoop() async throws {
    let reducer = ThreadReducer(vocabulary: Vocabulary(infersUndeclared: false))
    let trigger = [Event(thread: "t", seq: 0, type: "tool_call", data: ["command": "uptime"])]
    let tools = ScriptedToolRunner { _, _ in .success(["output": "up"]) }
    let loop = AgentLoop(
      reducer: reducer, decider: ScriptedDecider([]), tools: tools, clock: { nil })
    let result = try await loop.advance(thread: "t", events: trigger)
    #expect(tools.calls == 1)
    #expect(result.events.map(\.type) == ["tool_call_result"])
    guard case .runnerFailed(let call, let message) = result.stop else {
      Issue.record("expected the loop to stop on the unanswered call, got \(result.stop)")
      return
    }
    #expect(call.name == "tool_call")
    #expect(message.contains("did not answer the call"))
  }
}
