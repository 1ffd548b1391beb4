import Foundation
import RefoldEval
import RefoldModels
import RefoldTesting
import Testing

/// Re-records `evals/deploy/cassettes/baseline.jsonl` from the scripted model.
///
/// Runs only when asked: `REFOLD_RECORD=1 swift test --filter RecordCassetteTests`.
@Suite struct RecordCassetteTests {
  @Test(.enabled(if: ProcessInfo.processInfo.environment["REFOLD_RECORD"] == "1"))
  func recordTheCassetteFromTheScriptedModel() async throws {
    let server = try await ScriptedModel.start()
    defer { Task { await server.stop() } }
    try? FileManager.default.removeItem(atPath: Paths.suite + "/cassettes/baseline.jsonl")
    // `refold eval evals/deploy --model record --base-url …`, as a value.
    let evaluation = Evaluation(
      suite: Paths.suite, options: Evaluation.Options(modelSource: "record"),
      loader: SuiteLoader(
        specLoader: AgentSpecLoader(environment: [:], baseURLOverride: server.baseURL)),
      decider: SuiteModel(kind: .record, environment: [:]).decider)
    let result = try await evaluation.run()
    #expect(result.passed, "\(result.gateFailures)")
  }
}
