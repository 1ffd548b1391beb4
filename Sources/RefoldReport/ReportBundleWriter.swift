import Foundation
import RefoldCore
import RefoldShared
import Synchronization

/// Writes every report of one evaluation as its runs stream: each thread's cases go to
/// their variant's results file and into the pages' builders as they finish, and the files
/// are written when the runs do.
///
/// Nothing holds the run: the results files spool their cases and threads beside
/// themselves, the pages spool their rows, timelines and suites in the temporary directory,
/// and what stays in memory is bounded by the reports' caps (the string and thread tables,
/// the parameter table, the first failing cases). ``ReportBundle/write(evaluation:evaluationID:history:baseline:comparisons:layout:junitCases:reportURL:)``
/// feeds whole runs through this writer, so both give the same bytes.
///
/// ```swift
/// let writer = try ReportBundleWriter(evaluationID: id, runs: [info], layout: layout)
/// for thread in threads { try writer.add(variant: 0, thread) }
/// let paths = try writer.finish([head], history: history)
/// ```
///
/// Threads arrive a variant at a time, the first variant's first, each variant's in the
/// order its cases first name them (as an evaluation produces them). A writer is used by
/// one task at a time.
public final class ReportBundleWriter: @unchecked Sendable {
  // @unchecked: the builders are not Sendable; a writer is used by one task at a time, as
  // the evaluation that feeds it is.
  private let evaluationID: String
  private let layout: ReportLayout
  private let runs: [RunInfo]
  private let junitCases: Bool
  private let reportURL: String?
  private let page: HTMLReportWriter
  private var results: [ResultsWriter]
  private let html: HTMLDataBuilder
  private let junit: JUnitReportBuilder
  private var failing: [FailingCaseList]
  /// The directories this writer made, deepest first: removed again when it gives up.
  private let made: [String]
  private var done = false
  /// Why the results files cannot be written, found when the writer began.
  private let unwritable: ReportError?

  /// Starts the reports of the runs `runs` (each run's info as it starts, in the
  /// evaluation's variant order) in `layout`.
  ///
  /// - Parameters:
  ///   - page: the limits of `report.html` (its history and links are set when it is written).
  ///   - junitCases: every failing case is a JUnit failure (`--junit-cases`).
  ///   - reportURL: the URL the report directory is published under, for `summary.md`.
  /// - Throws: ``ReportError/cannotWrite(path:reason:)`` when a spool cannot be made (a
  ///   report directory that cannot be made is reported by ``finish(_:history:baseline:comparisons:)``).
  public init(
    evaluationID: String, runs: [RunInfo], layout: ReportLayout,
    page: HTMLReportWriter = HTMLReportWriter(), junitCases: Bool = false,
    reportURL: String? = nil
  ) throws {
    self.evaluationID = evaluationID
    self.layout = layout
    self.runs = runs
    self.junitCases = junitCases
    self.reportURL = reportURL
    self.page = page
    var directories = [layout.directory]
    for info in runs {
      let file = ReportLayout.resultsFile(variant: info.variant, variants: runs.count)
      let directory = (layout.path(file) as NSString).deletingLastPathComponent
      if !directories.contains(directory) { directories.append(directory) }
    }
    var made: [String] = []
    for directory in directories {
      var missing = directory
      var chain: [String] = []
      while !FileManager.default.fileExists(atPath: missing), missing != "/", !missing.isEmpty {
        chain.append(missing)
        missing = (missing as NSString).deletingLastPathComponent
      }
      for path in chain where !made.contains(path) { made.append(path) }
    }
    self.made = made.sorted { $0.count > $1.count }
    // A report directory that cannot be made is reported when the reports are written, as
    // it was when they were written whole: the evaluation runs to its end either way.
    do {
      results = try runs.map { info in
        let file = ReportLayout.resultsFile(variant: info.variant, variants: runs.count)
        return try ResultsWriter(path: layout.path(file), run: info)
      }
      unwritable = nil
    } catch let failure as AtomicFile.Failure {
      results = []
      unwritable = .cannotWrite(path: failure.path, reason: failure.reason)
    }
    html = try HTMLDataBuilder(writer: page, variants: runs.count)
    junit = JUnitReportBuilder(writer: JUnitReportWriter(failingCases: junitCases), runs: runs)
    let listed = MarkdownSummaryWriter(reportURL: reportURL).maxListed
    failing = Array(repeating: FailingCaseList(limit: listed), count: runs.count)
  }

  deinit {
    if !done { abandon() }
  }

  /// Adds one thread of the run of the variant at `variant`: its cases to the variant's
  /// results file and to the pages, its events to the results file and the timelines.
  ///
  /// - Throws: ``ReportError/cannotWrite(path:reason:)`` when a spool cannot be written.
  public func add(variant: Int, _ thread: ThreadCases) throws {
    do {
      for (index, result) in thread.cases.enumerated() {
        if variant < results.count {
          try results[variant].append(compactCase: try thread.encodedCase(index))
        }
        failing[variant].add(result)
      }
      if !thread.events.isEmpty, variant < results.count {
        if let compact = thread.compactEvents {
          try results[variant].append(thread: thread.thread, compactEvents: compact.bytes)
        } else {
          try results[variant].append(thread: thread.thread, events: thread.events)
        }
      }
    } catch let failure as AtomicFile.Failure {
      throw ReportError.cannotWrite(path: failure.path, reason: failure.reason)
    }
    try html.add(variant: variant, thread)
    try junit.add(variant: variant, thread)
  }

  /// Writes the results files, `report.html`, `junit.xml`, `summary.md`, with a baseline or
  /// comparisons `comparison.json` and `comparison.html`, for several variants the
  /// evaluation's manifest; then points `latest` at the evaluation.
  ///
  /// - Parameters:
  ///   - heads: each run's head (info as it finished, summary, breakdown, gate; its cases
  ///     and threads are not read), in the evaluation's order.
  ///   - history: earlier runs of the suite, for the trend charts.
  ///   - baseline: a run compared against its `--baseline`.
  ///   - comparisons: the comparisons between the evaluation's variants.
  /// - Returns: the paths written.
  @discardableResult
  public func finish(
    _ heads: [RunResults], history: [RunRecord] = [], baseline: Comparison? = nil,
    comparisons: [Comparison] = []
  ) throws -> [String] {
    done = true
    if let unwritable {
      abandon()
      throw unwritable
    }
    defer {
      html.abandon()
      junit.abandon()
      for writer in results { writer.abandon() }
    }
    // The results files are written on another thread while the pages are: the largest
    // file and the largest page each have a core on a machine with two.
    let writers = results
    let written = Mutex<Result<[String], ReportError>?>(nil)
    let writing = DispatchGroup()
    let layout = layout
    let count = heads.count
    DispatchQueue.global().async(group: writing) {
      let outcome = Result { () throws(ReportError) -> [String] in
        var paths: [String] = []
        for (writer, head) in zip(writers, heads) {
          let path = layout.path(
            ReportLayout.resultsFile(variant: head.run.variant, variants: count))
          do {
            try writer.finish(
              summary: head.summary, byIntent: head.byIntent, gate: head.gate, run: head.run)
          } catch let failure as AtomicFile.Failure {
            throw .cannotWrite(path: failure.path, reason: failure.reason)
          } catch {
            throw .cannotWrite(path: path, reason: SystemReason.of(error))
          }
          paths.append(path)
        }
        return paths
      }
      written.withLock { $0 = outcome }
    }
    let pages: [String]
    do {
      pages = try writePages(
        heads, history: history, baseline: baseline, comparisons: comparisons)
    } catch {
      writing.wait()
      throw error
    }
    writing.wait()
    var paths = try written.withLock { $0 }?.get() ?? []
    let all = (baseline.map { [$0] } ?? []) + comparisons
    if heads.count > 1 {
      let manifest = EvaluationManifest(
        runs: heads, evaluationID: evaluationID, comparisons: all,
        resultsPath: { ReportLayout.resultsFile(variant: $0, variants: count) })
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
  private func writePages(
    _ heads: [RunResults], history: [RunRecord], baseline: Comparison?,
    comparisons: [Comparison]
  ) throws -> [String] {
    let all = (baseline.map { [$0] } ?? []) + comparisons
    var writer = page
    writer.history = history
    writer.evaluationID = heads.count > 1 ? evaluationID : nil
    writer.comparisonLink = all.isEmpty ? nil : ComparisonWriter.htmlFileName
    let builder = html
    var paths: [String] = []
    paths.append(
      try ReportFile.write(named: HTMLReportWriter.fileName, in: layout.directory) { output in
        try writer.write(heads, built: builder, into: output)
      })
    let junit = junit
    paths.append(
      try ReportFile.write(named: JUnitReportWriter.fileName, in: layout.directory) { output in
        try junit.finish(heads, into: output)
      })
    paths.append(
      try ReportFile.write(
        MarkdownSummaryWriter(reportURL: reportURL).render(
          runs: heads, failing: failing, comparisons: comparisons, baseline: baseline),
        named: MarkdownSummaryWriter.fileName, in: layout.directory))
    return paths
  }

  /// Drops what was spooled and removes the directories this writer made: the report
  /// directory is as it was.
  public func abandon() {
    done = true
    for writer in results { writer.abandon() }
    html.abandon()
    junit.abandon()
    for directory in made { rmdir(directory) }
  }
}
