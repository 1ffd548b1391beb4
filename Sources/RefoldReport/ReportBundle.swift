import Foundation
import RefoldCore
import RefoldShared

/// Writes every report of one run into its layout and updates `latest`.
///
/// ```swift
/// let layout = ReportLayout(suite: results.run.suite, runID: results.run.id, out: options.out)
/// let paths = try ReportBundle.write(
///   results, history: try runStore.runs(suite: results.run.suite), baseline: comparison,
///   layout: layout)
/// ```
public enum ReportBundle {
  /// Writes `results.json`, `report.html`, `junit.xml`, `summary.md` and, with a baseline,
  /// `comparison.json` and `comparison.html`; then points `latest` at the run.
  ///
  /// - Parameters:
  ///   - variants: further variants of the same evaluation, shown beside `results` in the
  ///     HTML page and JUnit file.
  ///   - history: earlier runs of the suite, for the trend charts.
  ///   - baseline: this run compared against its baseline.
  /// - Returns: the paths written.
  @discardableResult
  public static func write(
    _ results: RunResults, variants: [RunResults] = [], history: [RunRecord] = [],
    baseline: Comparison? = nil, layout: ReportLayout
  ) throws -> [String] {
    let runs = [results] + variants
    var paths: [String] = []
    paths.append(try ReportFile.write(results, in: layout.directory))
    paths.append(
      try HTMLReportWriter(history: history).write(variants: runs, to: layout.directory))
    paths.append(try JUnitReportWriter().write(variants: runs, to: layout.directory))
    paths.append(
      try MarkdownSummaryWriter().write(results, baseline: baseline, to: layout.directory))
    if let baseline {
      paths.append(contentsOf: try ComparisonWriter().write([baseline], to: layout.directory))
    }
    try layout.updateLatest()
    return paths
  }
}
