import Foundation
import RefoldCore
import RefoldEval
import RefoldReport
import RefoldShared

extension ReportFiles {
  /// Starts the reports of an evaluation whose runs arrive thread by thread: see
  /// ``StreamedReportFiles``.
  func begin(evaluationID: String, runs: [RunInfo]) throws -> any EvaluationReport {
    let layout = ReportLayout(suite: runs.first?.suite ?? "refold", runID: evaluationID, out: out)
    return StreamedReportFiles(
      writer: try ReportBundleWriter(
        evaluationID: evaluationID, runs: runs, layout: layout, junitCases: junitCases,
        reportURL: reportURL),
      directory: layout.directory)
  }
}

/// The reports of one `refold eval` as its runs stream: each thread is written into the
/// results files and the pages' spools as it finishes, and the files are put in place when
/// the runs finish; comparisons are made from the runs' case outlines.
final class StreamedReportFiles: EvaluationReport, @unchecked Sendable {
  // @unchecked: an evaluation's report is used by one task at a time (the evaluation's).
  private let writer: ReportBundleWriter
  private let directory: String

  init(writer: ReportBundleWriter, directory: String) {
    self.writer = writer
    self.directory = directory
  }

  func add(variant: Int, _ thread: ThreadCases) throws {
    try writer.add(variant: variant, thread)
  }

  func finish(
    _ runs: [RunResults], outlines: [RunOutline], history: [RunRecord], baseline: RunResults?,
    pairs: [ComparisonPair]
  ) throws -> String {
    func outline(_ index: Int) -> RunOutline {
      RunOutline(
        run: runs[index].run, summary: runs[index].summary,
        cases: index < outlines.count ? outlines[index].cases : [])
    }
    // The baseline is compared with its namesake variant, or with the only one: as the gate.
    let compared = baseline.flatMap { reference in
      runs.firstIndex { $0.run.variant == reference.run.variant }
        ?? (runs.count == 1 ? 0 : nil)
    }
    let baselineComparison = baseline.flatMap { reference in
      compared.map { Comparison.compare(reference.outline, outline($0)) }
    }
    let comparisons = pairs.map { Comparison.compare(outline($0.baseline), outline($0.candidate)) }
    try writer.finish(
      runs, history: history, baseline: baselineComparison, comparisons: comparisons)
    return directory
  }

  func abandon() {
    writer.abandon()
  }
}
