import Foundation
import RefoldCore
import RefoldTesting

@testable import RefoldEval

/// A scripted decider answering outcomes from a closure, with the provenance these tests check.
///
/// Each decision has exchange key `k<number of events>`, 100 input and 10 output tokens,
/// context `ctx` and raw response `{"raw":true}`. No outcome throws, like a cassette miss.
func scripted(
  _ answer: @escaping @Sendable (String, [Event]) async throws -> Decision.Outcome?
) -> ScriptedDecider {
  ScriptedDecider { thread, events in
    try await answer(thread, events).map { outcome in
      Decision(
        outcome: outcome, exchangeKey: "k\(events.count)",
        usage: TokenUsage(inputTokens: 100, outputTokens: 10), renderedContext: "ctx",
        rawResponse: ["raw": true])
    }
  }
}

/// Answers `table[thread][n]` for a context of n events.
func scripted(byEventCount table: [String: [Int: Decision.Outcome]]) -> ScriptedDecider {
  scripted { thread, events in table[thread]?[events.count] }
}

/// A decider that replays the golden thread: at a context of n events, it answers with the
/// next decision event of the golden thread (the right answer), with overrides by step.
func oracle(
  _ threads: [[Event]], reducer: ThreadReducer, overrides: [String: [Int: Decision.Outcome]] = [:]
)
  -> ScriptedDecider
{
  var table: [String: [Int: Decision.Outcome]] = [:]
  for events in threads {
    let golden = GoldenThread(events: events, reducer: reducer)
    for point in golden.decisions {
      table[golden.id, default: [:]][point.eventIndex] =
        overrides[golden.id]?[point.step] ?? .intent(point.intent)
    }
  }
  let frozen = table
  return scripted(byEventCount: frozen)
}

let deployIntents: [IntentSpec] = [
  IntentSpec(name: "list_git_tags", kind: .sync),
  IntentSpec(name: "deploy_backend", kind: .approval),
  IntentSpec(name: "deploy_frontend", kind: .approval),
  IntentSpec(name: "rollback_backend", kind: .approval),
  IntentSpec(name: "check_deployment_status", kind: .sync),
  IntentSpec(name: "run_smoke_tests", kind: .sync),
  IntentSpec(name: "request_clarification", kind: .human),
  IntentSpec(name: "request_human_input", kind: .human),
  IntentSpec(name: "done_for_now", kind: .terminal),
]

let deploySpec = AgentSpec(
  name: "deploybot", model: ModelSettings(name: "test-model"), promptTemplate: "{{context}}",
  intents: deployIntents)

let deployReducer = deploySpec.reducer

/// Builds a thread from (type, data) pairs, numbering seq from 0.
func thread(_ id: String, _ items: [(String, JSONValue)], meta: [Int: JSONValue] = [:]) -> [Event] {
  items.enumerated().map { index, item in
    Event(thread: id, seq: index, type: item.0, data: item.1, meta: meta[index])
  }
}

let fixedClock: AgentLoop.Clock = { "2026-11-20T10:00:00Z" }

/// The happy path: list tags, deploy (approved), check status, done.
func happyThread(_ id: String) -> [Event] {
  thread(
    id,
    [
      ("slack_message", ["from": "@alex", "text": "ship latest backend to prod"]),
      ("list_git_tags", [:]),
      ("list_git_tags_result", ["tags": ["v1.4.2", "v1.4.1"]]),
      ("deploy_backend", ["tag": "v1.4.2", "environment": "production"]),
      ("approval", ["approved": true, "by": "@sam"]),
      ("deploy_backend_result", ["status": "deployed"]),
      ("check_deployment_status", ["service": "backend", "environment": "production"]),
      ("check_deployment_status_result", ["healthy": true]),
      ("done_for_now", ["message": "v1.4.2 is live"]),
    ])
}

/// A temporary directory removed by the caller.
func temporaryDirectory() throws -> URL {
  let url = FileManager.default.temporaryDirectory.appendingPathComponent(
    "refold-eval-\(UUID().uuidString)")
  try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  return url
}
