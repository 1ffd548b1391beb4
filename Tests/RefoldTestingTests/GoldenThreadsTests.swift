import Foundation
import RefoldCore
import RefoldEval
import RefoldModels
import RefoldTestSupport
import RefoldTesting
import Synchronization
import Testing

/// `expectGoldenThreads` on the demo suite, whose tiny recorded model fails most cases.
@Suite struct GoldenThreadsTests {
  static let demo = Repository.root + "/evals/deploybot"

  /// Issues collected instead of recorded, so a test can look at them.
  final class Collected: Sendable {
    private let issues = Mutex<[GoldenThreadIssue]>([])
    var all: [GoldenThreadIssue] { issues.withLock { $0 } }
    func record(_ issue: GoldenThreadIssue, _ location: SourceLocation) {
      issues.withLock { $0.append(issue) }
    }
  }

  @Test func recordsOneIssuePerFailingCaseOfTheRecordedDemo() async throws {
    let collected = Collected()
    let report = try await expectGoldenThreads(
      suite: Self.demo, variant: "baseline", recordIssue: collected.record)
    let run = try #require(report.result.runs.first)
    #expect(report.result.runs.count == 1)
    #expect(run.results.summary.sourceErrors == 0)
    let failing = run.results.cases.filter { !$0.passed }
    #expect(!failing.isEmpty)
    #expect(report.failingCases.map(\.result.id) == failing.map(\.id))
    #expect(collected.all == report.issues)
    #expect(report.issues.map(\.caseID) == failing.map(\.id))
    #expect(report.issues.allSatisfy { $0.kind == .failingCase && $0.variant == "baseline" })
    // A wrong intent names the case, what was expected and what came.
    let wrong = try #require(failing.first { $0.verdict == .wrongIntent })
    let issue = try #require(report.issues.first { $0.caseID == wrong.id })
    let expected = try #require(wrong.expected)
    let actual = try #require(wrong.actual)
    #expect(issue.message.hasPrefix("\(wrong.id): wrong_intent: expected \(expected.name) "))
    #expect(issue.message.contains(", got \(actual.name) "))
    #expect(
      report.passRate == Double(run.results.cases.count - failing.count)
        / Double(run.results.cases.count))
  }

  @Test func failingCasesAreSwiftTestingIssues() async throws {
    // The default recorder reports through Swift Testing; the demo model's mistakes are
    // known, and `withKnownIssue` fails this test if none is recorded. (Its `#expect`s, inside,
    // would be known issues too when they fail; the collecting tests above check the counts.)
    let directory = try Self.miniSuite()
    await withKnownIssue("the demo model (135M parameters) fails most golden threads") {
      let report = try await expectGoldenThreads(suite: directory.path("suite.yaml"))
      #expect(report.issues.count == report.failingCases.count)
      #expect(!report.issues.isEmpty)
    }
  }

  @Test func aMinimumPassRateToleratesFailingCasesAboveIt() async throws {
    let tolerant = Collected()
    let above = try await expectGoldenThreads(
      suite: Self.demo, variant: "baseline", minimumPassRate: 0.05,
      recordIssue: tolerant.record)
    #expect(!above.failingCases.isEmpty)
    #expect((above.passRate ?? 0) >= 0.05)
    #expect(tolerant.all.isEmpty)

    let strict = Collected()
    let below = try await expectGoldenThreads(
      suite: Self.demo, variant: "baseline", minimumPassRate: 0.5, recordIssue: strict.record)
    #expect(strict.all.count == below.failingCases.count + 1)
    let summary = try #require(strict.all.last)
    #expect(summary.kind == .belowMinimumPassRate)
    #expect(summary.message.contains("below the minimum 50.0%"))
  }

  @Test func aDeciderThatAnswersAsTheGoldenThreadsRecordsNoIssue() async throws {
    let directory = try Self.miniSuite()
    let threads = try Self.threads(directory.path("suite.yaml"))
    let collected = Collected()
    let report = try await expectGoldenThreads(
      suite: directory.path("suite.yaml"),
      model: .factory { _, _, spec in
        ScriptedDecider(goldenThreads: threads, reducer: spec.reducer)
      }, recordIssue: collected.record)
    let spec = report.result.suite.agent
    #expect(report.caseCount > 0)
    #expect(
      report.caseCount
        == Evaluation.expectedCases(threads: threads, spec: spec, modes: [.step], shard: nil))
    #expect(report.failingCases.isEmpty)
    #expect(collected.all.isEmpty)
    #expect(report.result.passed)
  }

  @Test func sourceErrorsAreIssuesWhateverTheMinimum() async throws {
    let collected = Collected()
    let report = try await expectGoldenThreads(
      suite: Self.demo, variant: "baseline", model: .decider(ScriptedDecider([])),
      modes: [.step], minimumPassRate: 0, recordIssue: collected.record)
    #expect(report.caseCount > 0)
    #expect(collected.all.count == report.caseCount)
    #expect(collected.all.allSatisfy { $0.kind == .sourceError })
    #expect(collected.all.first?.message.contains("no scripted answer") == true)
  }

  @Test func aMissingCassetteIsAnError() async throws {
    let directory = try Self.miniSuite(cassette: "missing.jsonl")
    await #expect(
      throws: EvaluationError.noCassette(
        path: directory.path("missing.jsonl"), variant: "default")
    ) {
      try await expectGoldenThreads(suite: directory.path("suite.yaml"))
    }
  }

  /// Two of the demo's golden threads in a suite of their own, replayed from the demo's
  /// baseline cassette (or `cassette`), in step mode.
  static func miniSuite(cassette: String? = nil) throws -> TemporaryDirectory {
    let directory = try TemporaryDirectory()
    try FileManager.default.createDirectory(
      atPath: directory.path("prompts"), withIntermediateDirectories: true)
    for file in ["agent.yaml", "prompts/default.mustache"] {
      try FileManager.default.copyItem(atPath: demo + "/" + file, toPath: directory.path(file))
    }
    for thread in ["deploy-staging-backend-latest-tag", "deploy-prod-denied-staging-first"] {
      try FileManager.default.copyItem(
        atPath: Repository.root + "/fixtures/deploybot/threads/\(thread).jsonl",
        toPath: directory.path("\(thread).jsonl"))
    }
    try directory.write(
      "suite.yaml",
      """
      name: mini
      agent: agent.yaml
      fixtures: ["*.jsonl"]
      cassette: \(cassette ?? demo + "/cassettes/baseline.jsonl")
      modes: [step]
      """)
    return directory
  }

  /// The golden threads of a suite.
  static func threads(_ path: String) throws -> [[Event]] {
    let suite = try SuiteLoader(specLoader: AgentSpecLoader(environment: [:])).load(path)
    return try suite.loadThreads()
  }
}
