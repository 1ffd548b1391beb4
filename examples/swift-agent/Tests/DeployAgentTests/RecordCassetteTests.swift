import Foundation
import RefoldCore
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
    let evaluation = Evaluation(
      suite: Paths.suite, options: Evaluation.Options(modelSource: "record"),
      loader: SuiteLoader { try AgentSpecLoader(environment: [:]).load(path: $0) },
      decider: { suite, variant, spec in
        let path = try #require(suite.cassettePath(for: variant))
        try? FileManager.default.removeItem(atPath: path)
        var settings = spec.model
        settings.baseURL = server.baseURL
        let source = try ModelSourceKind.record.makeSource(
          settings: settings, cassette: try JSONLCassette(path: path), environment: [:])
        return try ModelDecider(spec: spec, source: source)
      })
    let result = try await evaluation.run()
    #expect(result.passed, "\(result.gateFailures)")
  }
}
