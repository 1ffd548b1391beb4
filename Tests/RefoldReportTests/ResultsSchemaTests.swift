import Foundation
import RefoldCore
import RefoldShared
import Testing

@testable import RefoldReport

@Suite("results.json and its schema")
struct ResultsSchemaTests {
  static func sampleRuns() -> [RunResults] {
    let threads = DeployBotRuns.threads(count: 12, hostile: true)
    var empty = DeployBotRuns.run(
      id: "empty", threads: [], errorRate: 0, seed: 1, includeThreads: false, thresholds: nil)
    empty.run.gitCommit = nil
    empty.run.model = nil
    var sharded = DeployBotRuns.run(
      id: "shard-2", threads: Array(threads.prefix(3)), errorRate: 0.3, seed: 5,
      contextForPassing: true)
    sharded.run.shard = "2/4"
    sharded.cases[0].accepted = ["list_git_tags", "check_deployment_status"]
    sharded.cases[1].verdict = .sourceError
    sharded.cases[1].actual = nil
    sharded.cases[1].failure = "cassette miss for key 3f2a…"
    sharded.cases[2].parameterDiff = [
      ParameterDifference(
        path: "suite", expected: nil, actual: "full", matcher: "exact", reason: "unexpected")
    ]
    sharded.cases[2].judged = [
      JudgedParameter(path: "message", matcher: "judge", passed: false, reason: "no environment"),
      JudgedParameter(path: "note", matcher: "similar", passed: true, score: 0.91, minimum: 0.85),
    ]
    sharded.summary.judged = JudgedSummary(
      passRate: Statistics.wilson(passed: 1, total: 2),
      judgePassRate: Statistics.wilson(passed: 0, total: 1),
      similarPassRate: Statistics.wilson(passed: 1, total: 1))
    return [
      DeployBotRuns.run(id: "step-only", threads: threads, errorRate: 0.25, seed: 3),
      DeployBotRuns.run(
        id: "with-loops", variant: "json-events", threads: threads, errorRate: 0.4, seed: 4,
        loopRuns: 8),
      empty, sharded,
    ]
  }

  @Test("every encoded results file validates against docs/results.schema.json")
  func encodedResultsValidate() throws {
    let directory = try Scripts.temporaryDirectory("schema")
    defer { try? FileManager.default.removeItem(atPath: directory) }
    var paths: [String] = []
    for results in ResultsSchemaTests.sampleRuns() {
      paths.append(try ReportFile.write(results, in: directory + "/" + results.run.id))
    }
    let output = try Scripts.validateResults(paths)
    #expect(output.status == 0, "validator said: \(output.text)")
    #expect(output.text.contains("validated 4 file(s), 0 invalid"), "\(output.text)")
  }

  @Test("an evaluation's results.json (v2) names each variant's file, validates, reads back")
  func evaluationManifest() throws {
    let directory = try Scripts.temporaryDirectory("manifest")
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let threads = DeployBotRuns.threads(count: 6)
    let baseline = DeployBotRuns.run(id: "e-baseline", threads: threads, errorRate: 0.2, seed: 1)
    let candidate = DeployBotRuns.run(
      id: "e-json", variant: "json-events", threads: threads, errorRate: 0.4, seed: 2)
    let comparison = Comparison.compare(baseline, candidate)
    let layout = ReportLayout(suite: baseline.run.suite, runID: "e", out: directory)
    let paths = try ReportBundle.write(
      evaluation: [baseline, candidate], evaluationID: "e", comparisons: [comparison],
      layout: layout)
    #expect(paths.contains(directory + "/results.json"))
    let output = try Scripts.validateResults([directory])
    #expect(output.status == 0, "validator said: \(output.text)")
    #expect(output.text.contains("validated 3 file(s), 0 invalid"), "\(output.text)")

    let (runs, manifest) = try ResultsReader.readEvaluation(from: directory + "/results.json")
    #expect(runs == [baseline, candidate])
    #expect(manifest?.schema == "refold.results/v2")
    #expect(manifest?.evaluation.id == "e")
    #expect(
      manifest?.variants.map(\.results) == ["baseline/results.json", "json-events/results.json"])
    #expect(manifest?.variants.map(\.summary) == [baseline.summary, candidate.summary])
    #expect(manifest?.comparisons.first?.regressions == comparison.regressions.count)
    #expect(manifest?.comparisonFile == "comparison.json")
    #expect(
      try ResultsReader.read(from: directory + "/results.json", variant: "json-events") == candidate
    )
    #expect(throws: ReportError.self) { try ResultsReader.read(from: directory + "/results.json") }
    // A v1 file reads as its one run, as before.
    #expect(
      try ResultsReader.readEvaluation(from: directory + "/baseline/results.json").runs == [
        baseline
      ])
  }

  @Test("the validator rejects files that break the schema")
  func validatorRejects() throws {
    let directory = try Scripts.temporaryDirectory("schema-bad")
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let results = DeployBotRuns.run(
      id: "bad", threads: DeployBotRuns.threads(count: 2), errorRate: 0.5, seed: 9)
    let path = try ReportFile.write(results, in: directory)
    var text = try String(contentsOfFile: path, encoding: .utf8)
    text = text.replacingOccurrences(of: "\"case_pass_rate\"", with: "\"casePassRate\"")
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    let output = try Scripts.validateResults([path])
    #expect(output.status == 1, "\(output.text)")
    #expect(output.text.contains("case_pass_rate"), "\(output.text)")
  }

  @Test("results.json decodes back to the same value, keys sorted")
  func roundTrip() throws {
    let directory = try Scripts.temporaryDirectory("roundtrip")
    defer { try? FileManager.default.removeItem(atPath: directory) }
    for results in ResultsSchemaTests.sampleRuns() {
      let path = try ReportFile.write(results, in: directory)
      #expect(try ResultsReader.read(from: path) == results)
      let text = try String(contentsOfFile: path, encoding: .utf8)
      let byIntent = try #require(text.range(of: "\"by_intent\""))
      let cases = try #require(text.range(of: "\"cases\""))
      #expect(byIntent.lowerBound < cases.lowerBound)
      #expect(!FileManager.default.fileExists(atPath: path + ".tmp"))
    }
  }
}
