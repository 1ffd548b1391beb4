import Foundation
import RefoldCore
import RefoldModels
import RefoldShared
import RefoldTestSupport
import RefoldTesting
import Synchronization
import Testing

@testable import RefoldEval

/// An evaluation hands its threads to the run store's writer and the reports one at a time;
/// these check what happens when either fails partway, and that the stream keeps order.
@Suite struct StreamedEvaluationTests {
  static let demo = Repository.root + "/evals/deploybot"
  static let loader = SuiteLoader(specLoader: AgentSpecLoader(environment: [:]))

  struct Full: RefoldError {
    var description: String { "the disk is full" }
    var exitStatus: RefoldCore.ExitStatus { .environment }
  }

  /// Reports that take `limit` threads, then fail as a full disk does.
  final class FailingReports: EvaluationReporter, @unchecked Sendable {
    final class Report: EvaluationReport, @unchecked Sendable {
      let limit: Int
      let taken = Mutex(0)
      let abandoned = Mutex(false)
      init(limit: Int) { self.limit = limit }
      func add(variant: Int, _ thread: ThreadCases) throws {
        try taken.withLock { count in
          guard count < limit else { throw Full() }
          count += 1
        }
      }
      func finish(
        _ runs: [RunResults], outlines: [RunOutline], history: [RunRecord],
        baseline: RunResults?, pairs: [ComparisonPair]
      ) throws -> String { "never" }
      func abandon() { abandoned.withLock { $0 = true } }
    }
    let report: Report
    init(limit: Int) { report = Report(limit: limit) }
    func write(
      _ runs: [RunResults], evaluationID: String, history: [RunRecord], baseline: RunResults?
    ) throws -> String { "never" }
    func begin(evaluationID: String, runs: [RunInfo]) throws -> any EvaluationReport { report }
  }

  /// A store whose writers take `limit` threads, then fail; it records what each writer saw.
  final class FailingStore: RunStore, @unchecked Sendable {
    final class Writer: RunWriter, @unchecked Sendable {
      let store: FailingStore
      var threads: [String] = []
      init(store: FailingStore) { self.store = store }
      func add(_ thread: ThreadCases) throws {
        guard threads.count < store.limit else { throw Full() }
        threads.append(thread.thread)
      }
      func finish(_ head: RunResults) throws {
        store.finished.withLock { $0.append((head.run.id, threads)) }
      }
      func abandon() { store.abandoned.withLock { $0 += 1 } }
    }
    let limit: Int
    let finished = Mutex<[(id: String, threads: [String])]>([])
    let abandoned = Mutex(0)
    init(limit: Int) { self.limit = limit }
    func save(_ results: RunResults) throws {}
    func run(id: String) throws -> RunResults? { nil }
    func runs(suite: String) throws -> [RunRecord] { [] }
    func writer(for run: RunInfo) throws -> any RunWriter { Writer(store: self) }
  }

  func evaluation(
    store: (any RunStore)? = nil, reporter: (any EvaluationReporter)? = nil, concurrency: Int = 4
  ) throws -> Evaluation {
    let suite = try Self.loader.load(Self.demo)
    let threads = try suite.loadThreads()
    var options = Evaluation.Options(
      variants: ["baseline"], modes: [.step], concurrency: concurrency, toolVersion: "test")
    options.keepsCases = false
    var evaluation = Evaluation(
      suite: Self.demo, options: options, loader: Self.loader,
      decider: { _, _, spec in ScriptedDecider(goldenThreads: threads, reducer: spec.reducer) },
      runStore: { store }, reporter: reporter)
    evaluation.judge = { _ in AcceptingParameterJudge() }
    return evaluation
  }

  @Test func aReportThatFailsPartwayStopsTheEvaluationAndDropsTheRun() async throws {
    let reports = FailingReports(limit: 3)
    let store = FailingStore(limit: .max)
    await #expect(throws: Full.self) {
      _ = try await evaluation(store: store, reporter: reports, concurrency: 1).run()
    }
    #expect(reports.report.abandoned.withLock { $0 })
    #expect(store.abandoned.withLock { $0 } == 1)
    #expect(store.finished.withLock { $0 }.isEmpty)
  }

  @Test func aStoreThatFailsPartwayLeavesTheReportsAndNamesTheRun() async throws {
    let store = FailingStore(limit: 2)
    let reports = EvaluationTests.KeptReports()
    do {
      _ = try await evaluation(store: store, reporter: reports).run()
      Issue.record("the evaluation did not say its run was not stored")
    } catch EvaluationError.runsNotStored(let runs, let location, let reason, let status) {
      #expect(runs.count == 1 && runs[0].hasSuffix("-baseline"))
      #expect(location?.hasPrefix("kept/") == true)
      #expect(reason == "the disk is full")
      #expect(status == .environment)
    }
    #expect(store.finished.withLock { $0 }.isEmpty)
    #expect(store.abandoned.withLock { $0 } == 1)
    // The reports have every case although the store dropped the run.
    let handed = try #require(reports.handed.withLock { $0.first })
    #expect(handed.runs[0].cases.count == handed.runs[0].summary.casePassRate.total)
  }

  @Test func threadsReachTheWriterInFixtureOrderWhateverTheConcurrency() async throws {
    let suite = try Self.loader.load(Self.demo)
    let order = try suite.loadThreads().compactMap(\.first?.thread)
    for concurrency in [1, 3, 16] {
      let store = FailingStore(limit: .max)
      let result = try await evaluation(store: store, concurrency: concurrency).run()
      let stored = try #require(store.finished.withLock { $0 }.first)
      #expect(stored.threads == order, "concurrency \(concurrency)")
      // The command keeps outlines, not cases.
      #expect(result.runs[0].results.cases.isEmpty)
      #expect(
        result.runs[0].outcome.outlines.count == result.runs[0].results.summary.casePassRate.total)
    }
  }
}
