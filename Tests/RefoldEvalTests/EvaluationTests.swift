import Foundation
import RefoldCore
import RefoldModels
import RefoldShared
import RefoldTestSupport
import RefoldTesting
import Synchronization
import Testing

@testable import RefoldEval

/// The evaluation façade with every seam a double: decisions, run store, reporter, time.
@Suite struct EvaluationTests {
  static let demo = Repository.root + "/evals/deploybot"
  static let loader = SuiteLoader(specLoader: AgentSpecLoader(environment: [:]))
  static let fixed = Date(timeIntervalSince1970: 1_795_000_000)

  /// A reporter that keeps what it was handed.
  final class KeptReports: EvaluationReporter {
    struct Handed: Sendable {
      var runs: [RunResults]
      var evaluationID: String
      var history: [RunRecord]
      var baseline: RunResults?
    }
    let handed = Mutex<[Handed]>([])

    func write(
      _ runs: [RunResults], evaluationID: String, history: [RunRecord], baseline: RunResults?
    ) throws -> String {
      handed.withLock {
        $0.append(
          Handed(runs: runs, evaluationID: evaluationID, history: history, baseline: baseline))
      }
      return "kept/\(evaluationID)"
    }
  }

  func golden(_ spec: AgentSpec) throws -> ScriptedDecider {
    let suite = try Self.loader.load(Self.demo)
    return ScriptedDecider(goldenThreads: try suite.loadThreads(), reducer: spec.reducer)
  }

  @Test func evaluatesEveryVariantSavesGatesAndReports() async throws {
    let store = InMemoryRunStore()
    let reports = KeptReports()
    var evaluation = Evaluation(
      suite: Self.demo, options: Evaluation.Options(modes: [.step], toolVersion: "test"),
      loader: Self.loader, decider: { _, _, spec in try golden(spec) },
      runStore: { store }, reporter: reports, now: { Self.fixed })
    evaluation.judge = { _ in AcceptingParameterJudge() }
    let result = try await evaluation.run()

    #expect(result.runs.map(\.variant.name) == ["baseline", "concise-json"])
    #expect(result.sourceFailures.isEmpty)
    #expect(result.runs.allSatisfy { $0.gate.passed })
    #expect(result.passed)
    // Both runs share one stamp, which names the evaluation; times come from `now`.
    let ids = result.runs.map(\.results.run.id)
    #expect(ids.allSatisfy { $0.hasPrefix(result.evaluationID + "-") })
    #expect(result.evaluationID.hasPrefix("20261118-"))
    #expect(result.runs[0].results.run.startedAt == RunStamp.timestamp(Self.fixed))
    #expect(result.runs[0].results.run.finishedAt == RunStamp.timestamp(Self.fixed))
    #expect(result.runs[0].results.run.toolVersion == "test")
    // The golden closing messages are judged, and the judge is checked against the
    // suite's ten labels once: accepting all ten, it agrees with the five passes (kappa 0).
    for run in result.runs {
      let judged = try #require(run.results.summary.judged)
      #expect(
        judged.judgePassRate.total > 0 && judged.judgePassRate.passed == judged.judgePassRate.total)
      let calibration = try #require(run.results.summary.judgeCalibration)
      #expect(calibration.agreement.passed == 5 && calibration.agreement.total == 10)
      #expect(calibration.judgePassed == 10 && calibration.humanPassed == 5)
      #expect(calibration.kappa == 0)
      #expect(calibration.disagreements.allSatisfy { !$0.human && $0.judge })
    }
    #expect(store.all.map(\.run.id) == ids)
    // The reporter gets every run, the history with this evaluation in it.
    let handed = try #require(reports.handed.withLock { $0.first })
    #expect(handed.runs.map(\.run.id) == ids)
    #expect(handed.evaluationID == result.evaluationID)
    #expect(handed.history.map(\.info.id) == ids)
    #expect(result.reportLocation == "kept/\(result.evaluationID)")
  }

  @Test func aRunBelowTheMinimumAccuracyFailsTheGate() async throws {
    let wrong = ScriptedDecider { _, _ in Decision(outcome: .intent(Intent(name: "done_for_now")))
    }
    var evaluation = Evaluation(
      suite: Self.demo,
      options: Evaluation.Options(variants: ["baseline"], modes: [.step], minAccuracy: 0.9),
      loader: Self.loader, decider: { _, _, _ in wrong })
    evaluation.judge = { _ in AcceptingParameterJudge() }
    let result = try await evaluation.run()
    #expect(result.runs.count == 1)
    #expect(result.evaluationID == result.runs[0].results.run.id)
    #expect(result.runs[0].results.run.thresholds?["min_accuracy"] == 0.9)
    #expect(result.gateFailures.count == 1)
    #expect(result.gateFailures.first?.hasPrefix("baseline: intent accuracy ") == true)
    #expect(result.reportLocation == nil)
    #expect(!result.passed)
  }

  @Test func sourceFailuresAreResultsNotErrors() async throws {
    let evaluation = Evaluation(
      suite: Self.demo, options: Evaluation.Options(variants: ["concise-json"]),
      loader: Self.loader, decider: { _, _, _ in ScriptedDecider([]) })
    let result = try await evaluation.run()
    #expect(result.sourceFailures.count == result.runs[0].results.cases.count)
    #expect(!result.passed)
  }

  @Test func inputsAreCheckedBeforeTheStoreOrBaselineIsOpened() async throws {
    let opened = Mutex(0)
    func evaluation(_ suite: String, variants: [String] = []) -> Evaluation {
      Evaluation(
        suite: suite, options: Evaluation.Options(variants: variants), loader: Self.loader,
        decider: { _, _, _ in ScriptedDecider([]) },
        baseline: {
          opened.withLock { $0 += 1 }
          return nil
        },
        runStore: {
          opened.withLock { $0 += 1 }
          return nil
        })
    }
    await #expect(
      throws: EvaluationError.unknownVariant(
        "nope", suite: "deploybot", known: ["baseline", "concise-json"])
    ) {
      try await evaluation(Self.demo, variants: ["nope"]).run()
    }
    await #expect(throws: SuiteError.self) {
      try await evaluation(Self.demo + "/missing.yaml").run()
    }
    #expect(opened.withLock { $0 } == 0)
  }
}
