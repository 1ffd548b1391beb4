import Foundation
import RefoldCore
import RefoldEval
import RefoldReport
import RefoldShared

/// The reports `refold eval` writes, as an evaluation's reporter: one directory for the whole
/// evaluation, every variant shown side by side.
struct ReportFiles: EvaluationReporter {
  /// Where reports go (default: `reports/<suite>/<run>/`).
  var out: String?
  /// Every failing case is a junit.xml failure (`--junit-cases`).
  var junitCases = false
  /// The URL the reports are published under, for absolute links in summary.md.
  var reportURL: String?

  func write(
    _ runs: [RunResults], evaluationID: String, history: [RunRecord], baseline: RunResults?
  ) throws -> String {
    try write(
      runs, evaluationID: evaluationID, history: history, baseline: baseline,
      pairs: Evaluation.comparisonPairs(
        variants: runs.map(\.run.variant), reference: nil, all: false))
  }

  func write(
    _ runs: [RunResults], evaluationID: String, history: [RunRecord], baseline: RunResults?,
    pairs: [ComparisonPair]
  ) throws -> String {
    let layout = ReportLayout(suite: runs[0].run.suite, runID: evaluationID, out: out)
    // The baseline is compared with its namesake variant, or with the only one: as the gate.
    let compared = baseline.flatMap { reference in
      runs.first { $0.run.variant == reference.run.variant } ?? (runs.count == 1 ? runs[0] : nil)
    }
    let baselineComparison = baseline.flatMap { reference in
      compared.map { Comparison.compare(reference, $0) }
    }
    let comparisons = pairs.map { Comparison.compare(runs[$0.baseline], runs[$0.candidate]) }
    try ReportBundle.write(
      evaluation: runs, evaluationID: evaluationID, history: history,
      baseline: baselineComparison, comparisons: comparisons, layout: layout,
      junitCases: junitCases, reportURL: reportURL)
    return layout.directory
  }
}
