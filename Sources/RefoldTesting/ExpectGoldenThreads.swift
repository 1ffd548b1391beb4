import Foundation
import RefoldCore
import RefoldEval
import RefoldModels
import RefoldShared
import Testing

/// Records a golden-thread problem: Swift Testing's `Issue.record` by default.
public typealias GoldenThreadIssueRecorder =
  @Sendable (_ issue: GoldenThreadIssue, _ sourceLocation: SourceLocation) -> Void

/// Runs a suite's golden threads inside a Swift Testing test, recording one issue per failing
/// case.
///
/// The suite is evaluated as `refold eval` evaluates it (the ``Evaluation`` façade), without
/// writing reports or keeping runs; a suite's `judge:` and `embeddings:` answer from their
/// recorded cassettes. Every case the model source could not answer is an
/// issue. Other failing cases are issues when the share of passing cases is below
/// `minimumPassRate` (1 by default: every case must pass); each issue names the case,
/// the expected and the actual intent and the parameters that differ.
///
/// ```swift
/// @Test func goldenThreads() async throws {
///   try await expectGoldenThreads(suite: "evals/deploybot", variant: "baseline")
/// }
/// ```
///
/// - Parameters:
///   - suite: the suite directory or its `suite.yaml`; a relative path is resolved against
///     the current directory (the package root under `swift test`).
///   - variant: the variant to evaluate (nil: every variant of the suite).
///   - model: where decisions come from (the suite's cassettes by default).
///   - modes: the replay modes (empty: the suite's).
///   - minimumPassRate: the share of cases (0–1) that must pass before failing cases count
///     as issues.
///   - environment: the environment agent specs read (`api_key_env`, base URLs).
///   - recordIssue: where issues go; tests of this function pass their own.
/// - Returns: the evaluation, the failing cases and the issues recorded.
/// - Throws: a broken suite, fixture or agent spec, an unknown variant, a missing cassette;
///   failing cases are issues, not errors.
@discardableResult
public func expectGoldenThreads(
  suite: String, variant: String? = nil, model: GoldenThreadModel = .recorded,
  modes: [ReplayMode] = [], minimumPassRate: Double = 1,
  environment: [String: String] = ProcessInfo.processInfo.environment,
  recordIssue: GoldenThreadIssueRecorder = { issue, location in
    Issue.record(Comment(rawValue: issue.message), sourceLocation: location)
  },
  sourceLocation: SourceLocation = #_sourceLocation
) async throws -> GoldenThreadReport {
  var evaluation = Evaluation(
    suite: suite,
    options: Evaluation.Options(variants: variant.map { [$0] } ?? [], modes: modes),
    loader: SuiteLoader(specLoader: AgentSpecLoader(environment: environment)),
    decider: model.factory(environment: environment))
  // The suite's judge and embeddings models answer from their own cassettes.
  evaluation.judge = { suite in
    try SuiteModel(kind: .recorded, environment: environment).judge(suite: suite)
  }
  let result = try await evaluation.run()
  var failing: [(variant: String, result: CaseResult)] = []
  for run in result.runs {
    for result in run.results.cases where !result.passed {
      failing.append((run.variant.name, result))
    }
  }
  var report = GoldenThreadReport(result: result, failingCases: failing, issues: [])
  let qualified = result.runs.count > 1
  func record(_ issue: GoldenThreadIssue) {
    report.issues.append(issue)
    recordIssue(issue, sourceLocation)
  }
  for (variantName, failed) in failing where failed.verdict == .sourceError {
    record(
      GoldenThreadIssue(
        kind: .sourceError, caseID: failed.id, variant: variantName,
        message: GoldenThreadMessage.describe(
          failed, variant: qualified ? variantName : nil)))
  }
  let passRate = report.passRate ?? 1
  if passRate < minimumPassRate {
    for (variantName, failed) in failing where failed.verdict != .sourceError {
      record(
        GoldenThreadIssue(
          kind: .failingCase, caseID: failed.id, variant: variantName,
          message: GoldenThreadMessage.describe(
            failed, variant: qualified ? variantName : nil)))
    }
    if minimumPassRate < 1 {
      record(
        GoldenThreadIssue(
          kind: .belowMinimumPassRate, caseID: nil, variant: variant,
          message: String(
            format: "%@: %d of %d cases pass (%.1f%%), below the minimum %.1f%%",
            result.suite.name, report.caseCount - failing.count, report.caseCount,
            passRate * 100, minimumPassRate * 100)))
    }
  }
  return report
}
