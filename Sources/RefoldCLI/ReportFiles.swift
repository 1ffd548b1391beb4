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
    let primary = runs[0]
    let others = Array(runs.dropFirst())
    let layout = ReportLayout(suite: primary.run.suite, runID: evaluationID, out: out)
    let baselineComparison = baseline.map { Comparison.compare($0, primary) }
    try ReportBundle.write(
      primary, variants: others, history: history, baseline: baselineComparison, layout: layout,
      junitCases: junitCases)
    for other in others {
      let directory = (layout.directory as NSString).appendingPathComponent(
        ReportLayout.safeComponent(other.run.variant))
      try ReportFile.write(other, in: directory)
    }
    if !others.isEmpty {
      let comparisons = pairs.map { Comparison.compare(runs[$0.baseline], runs[$0.candidate]) }
      _ = try ComparisonWriter().write(comparisons, to: layout.directory)
    }
    return layout.directory
  }
}
