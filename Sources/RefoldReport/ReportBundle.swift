import Foundation
import RefoldCore
import RefoldShared
import Synchronization

/// Writes every report of an evaluation into its layout and updates `latest`.
///
/// ```swift
/// let layout = ReportLayout(suite: results.run.suite, runID: results.run.id, out: options.out)
/// let paths = try ReportBundle.write(
///   results, history: try runStore.runs(suite: results.run.suite), baseline: comparison,
///   layout: layout)
/// ```
public enum ReportBundle {
  /// Writes the reports of one run (and the evaluation's further `variants`): see
  /// ``write(evaluation:evaluationID:history:baseline:comparisons:layout:junitCases:reportURL:)``.
  @discardableResult
  public static func write(
    _ results: RunResults, variants: [RunResults] = [], history: [RunRecord] = [],
    baseline: Comparison? = nil, layout: ReportLayout, junitCases: Bool = false
  ) throws -> [String] {
    try write(
      evaluation: [results] + variants, evaluationID: layout.runID, history: history,
      baseline: baseline, layout: layout, junitCases: junitCases)
  }

  /// Writes the results files, `report.html`, `junit.xml`, `summary.md` and, with a
  /// baseline or comparisons, `comparison.json` and `comparison.html`; then points `latest`
  /// at the evaluation.
  ///
  /// An evaluation of one variant has its run's `results.json`; one of several has each
  /// variant's in `<variant>/results.json` and, written after them, the evaluation's
  /// `results.json` (``EvaluationManifest``) naming them.
  ///
  /// - Parameters:
  ///   - runs: the evaluation's runs, one per variant, in its order.
  ///   - history: earlier runs of the suite, for the trend charts.
  ///   - baseline: a run compared against its `--baseline`.
  ///   - comparisons: the comparisons between the evaluation's variants.
  ///   - junitCases: every failing case is a JUnit failure (`--junit-cases`), not only the
  ///     gate's checks.
  ///   - reportURL: the URL the report directory is published under, for absolute links in
  ///     `summary.md` (`--report-url`).
  /// - Returns: the paths written.
  @discardableResult
  public static func write(
    evaluation runs: [RunResults], evaluationID: String, history: [RunRecord] = [],
    baseline: Comparison? = nil, comparisons: [Comparison] = [], layout: ReportLayout,
    junitCases: Bool = false, reportURL: String? = nil
  ) throws -> [String] {
    let writer = try ReportBundleWriter(
      evaluationID: evaluationID, runs: runs.map(\.run), layout: layout,
      junitCases: junitCases, reportURL: reportURL)
    do {
      for (index, results) in runs.enumerated() {
        for thread in ThreadCases.split(results) { try writer.add(variant: index, thread) }
      }
    } catch {
      writer.abandon()
      throw error
    }
    return try writer.finish(
      runs, history: history, baseline: baseline, comparisons: comparisons)
  }
}
