import RefoldCore
import RefoldEval
import RefoldShared
import RefoldTesting
import Testing

/// Scripted deciders and tool runners, and the in-memory run store.
@Suite struct ScriptedDoublesTests {
  @Test func aDeciderAnswersItsScriptInOrderThenThrows() async throws {
    let decider = ScriptedDecider([.intent(Intent(name: "list_git_tags")), .failure("bad")])
    let context = [Event(thread: "t", seq: 0, type: "user_input", data: ["text": "hi"])]
    let first = try await decider.decide(thread: "t", events: context)
    #expect(first.outcome == .intent(Intent(name: "list_git_tags")))
    #expect(first.exchangeKey == "key-0")
    #expect(try await decider.decide(thread: "t", events: []).outcome == .failure("bad"))
    await #expect(throws: RefoldTestingError.noScriptedAnswer(thread: "t", call: 2, eventCount: 1))
    {
      try await decider.decide(thread: "t", events: context)
    }
    #expect(decider.calls == 3)
    #expect(decider.contexts == [context, [], context])
  }

  @Test func aGoldenThreadDeciderAnswersEveryDecisionPoint() async throws {
    let events = [
      Event(thread: "t", seq: 0, type: "user_input", data: ["text": "tags?"]),
      Event(thread: "t", seq: 1, type: "list_git_tags"),
      Event(thread: "t", seq: 2, type: "list_git_tags_result", data: ["tags": ["v1"]]),
      Event(thread: "t", seq: 3, type: "done_for_now", data: ["message": "v1"]),
    ]
    let decider = ScriptedDecider(goldenThreads: [events], reducer: ThreadReducer())
    let first = try await decider.decide(thread: "t", events: Array(events[0..<1]))
    #expect(first.outcome == .intent(Intent(name: "list_git_tags")))
    let last = try await decider.decide(thread: "t", events: Array(events[0..<3]))
    #expect(last.outcome == .intent(Intent(name: "done_for_now", parameters: ["message": "v1"])))
    await #expect(throws: RefoldTestingError.self) {
      try await decider.decide(thread: "t", events: Array(events[0..<2]))
    }
  }

  @Test func toolsAnswerByCallAndRememberTheIntents() async throws {
    let tools = ScriptedToolRunner { intent, call in
      call == 0 ? .failure("connection refused") : .success(["status": "deployed"])
    }
    let deploy = Intent(name: "deploy_backend", parameters: ["tag": "v1"])
    #expect(try await tools.run(deploy, thread: "t", events: []) == .failure("connection refused"))
    #expect(
      try await tools.run(deploy, thread: "t", events: []) == .success(["status": "deployed"]))
    #expect(tools.intents == [deploy, deploy])
    let table = ScriptedToolRunner(results: ["list_git_tags": ["tags": ["v1"]]])
    #expect(
      try await table.run(Intent(name: "list_git_tags"), thread: "t", events: [])
        == .success(["tags": ["v1"]]))
    #expect(
      try await table.run(Intent(name: "rollback"), thread: "t", events: [])
        == .failure("no tool for rollback"))
  }

  @Test func theRunStoreKeepsRunsOldestFirstAndReplacesNone() throws {
    let store = InMemoryRunStore()
    func run(_ id: String, suite: String, at time: String) -> RunResults {
      RunResults(
        run: RunInfo(
          id: id, suite: suite, variant: "baseline", modes: ["step"], modelSource: "recorded",
          startedAt: time, finishedAt: time, toolVersion: "test"),
        summary: Scorer().summary, byIntent: Scorer().breakdown, cases: [])
    }
    try store.save(run("b", suite: "deploybot", at: "2026-11-20T10:05:00Z"))
    try store.save(run("a", suite: "deploybot", at: "2026-11-20T10:00:00Z"))
    try store.save(run("c", suite: "other", at: "2026-11-20T09:00:00Z"))
    #expect(try store.runs(suite: "deploybot").map(\.info.id) == ["a", "b"])
    #expect(try store.run(id: "c")?.run.suite == "other")
    #expect(try store.run(id: "missing") == nil)
    #expect(throws: RefoldTestingError.runExists("a")) {
      try store.save(run("a", suite: "deploybot", at: "2026-11-20T11:00:00Z"))
    }
  }
}
