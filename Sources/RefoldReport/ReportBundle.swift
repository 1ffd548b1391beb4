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
    // The results files are written on another thread while the pages are rendered: the
    // largest file and the largest page each have a core on a machine with two.
    let resultsWritten = Mutex<Result<[String], ReportError>?>(nil)
    let writing = DispatchGroup()
    DispatchQueue.global().async(group: writing) {
      let written = Result { () throws(ReportError) -> [String] in
        try runs.map { results throws(ReportError) in
          let file = ReportLayout.resultsFile(variant: results.run.variant, variants: runs.count)
          let directory = (layout.path(file) as NSString).deletingLastPathComponent
          return try ReportFile.write(results, in: directory)
        }
      }
      resultsWritten.withLock { $0 = written }
    }
    let pages: [String]
    do {
      pages = try writePages(
        runs, evaluationID: evaluationID, history: history, baseline: baseline,
        comparisons: comparisons, layout: layout, junitCases: junitCases, reportURL: reportURL)
    } catch {
      writing.wait()
      throw error
    }
    writing.wait()
    var paths = try resultsWritten.withLock { $0 }?.get() ?? []
    let all = (baseline.map { [$0] } ?? []) + comparisons
    if runs.count > 1 {
      let manifest = EvaluationManifest(
        runs: runs, evaluationID: evaluationID, comparisons: all,
        resultsPath: { ReportLayout.resultsFile(variant: $0, variants: runs.count) })
      paths.append(try manifest.write(in: layout.directory))
    }
    paths += pages
    if !all.isEmpty {
      paths.append(contentsOf: try ComparisonWriter().write(all, to: layout.directory))
    }
    try layout.updateLatest()
    return paths
  }

  /// Writes `report.html`, `junit.xml` and `summary.md` and returns their paths.
  private static func writePages(
    _ runs: [RunResults], evaluationID: String, history: [RunRecord], baseline: Comparison?,
    comparisons: [Comparison], layout: ReportLayout, junitCases: Bool, reportURL: String?
  ) throws -> [String] {
    var paths: [String] = []
    let all = (baseline.map { [$0] } ?? []) + comparisons
    var html = HTMLReportWriter(history: history)
    html.evaluationID = runs.count > 1 ? evaluationID : nil
    html.comparisonLink = all.isEmpty ? nil : ComparisonWriter.htmlFileName
    paths.append(try html.write(variants: runs, to: layout.directory))
    paths.append(
      try JUnitReportWriter(failingCases: junitCases).write(variants: runs, to: layout.directory))
    paths.append(
      try MarkdownSummaryWriter(reportURL: reportURL).write(
        runs: runs, comparisons: comparisons, baseline: baseline, to: layout.directory))
    return paths
  }
}
