import RefoldCore
import RefoldShared

/// Writes the reports of an evaluation's runs: results files, pages, summaries.
///
/// `RefoldReport` provides the files the CLI writes (`results.json`, `report.html`,
/// `junit.xml`, `summary.md`, comparisons); the CLI adapts them to this protocol, so that
/// the evaluation itself knows no file format.
public protocol EvaluationReporter: Sendable {
  /// Writes the reports of `runs` (the first variant's run first) and returns where they are.
  ///
  /// - Parameters:
  ///   - evaluationID: the run's id for one variant, the shared stamp for several.
  ///   - history: the suite's stored runs, oldest first, this evaluation's included.
  ///   - baseline: the run to compare the first variant's run against, if any.
  func write(
    _ runs: [RunResults], evaluationID: String, history: [RunRecord], baseline: RunResults?
  ) throws -> String

  /// Writes the reports of `runs` with the comparisons of `pairs` (indexes into `runs`).
  func write(
    _ runs: [RunResults], evaluationID: String, history: [RunRecord], baseline: RunResults?,
    pairs: [ComparisonPair]
  ) throws -> String

  /// Starts the reports of an evaluation whose runs arrive thread by thread (the default
  /// holds them and calls ``write(_:evaluationID:history:baseline:pairs:)`` at the end).
  ///
  /// - Parameters:
  ///   - evaluationID: the run's id for one variant, the shared stamp for several.
  ///   - runs: each run's info as it starts, in the evaluation's variant order.
  func begin(evaluationID: String, runs: [RunInfo]) throws -> any EvaluationReport
}

extension EvaluationReporter {
  /// Writes the reports as ``write(_:evaluationID:history:baseline:)`` does, `pairs` unused.
  public func write(
    _ runs: [RunResults], evaluationID: String, history: [RunRecord], baseline: RunResults?,
    pairs: [ComparisonPair]
  ) throws -> String {
    try write(runs, evaluationID: evaluationID, history: history, baseline: baseline)
  }
}

/// The reports of one evaluation while its runs are produced: each run's threads as they
/// finish (the first variant's run first, each in fixture order), then the runs' heads.
///
/// Nothing is in place until ``finish(_:outlines:history:baseline:pairs:)`` returns (the
/// results files are written beside their targets and moved in); ``abandon()`` leaves the
/// report directory as it was.
public protocol EvaluationReport: AnyObject, Sendable {
  /// One thread of the run of the variant at `variant` (an index into the evaluation's runs).
  func add(variant: Int, _ thread: ThreadCases) throws
  /// Writes every report and returns where they are.
  ///
  /// - Parameters:
  ///   - runs: each run's head (info, summary, breakdown, gate; no cases or threads).
  ///   - outlines: each run's case outlines, in case order.
  ///   - history: the suite's stored runs, oldest first, this evaluation's included.
  ///   - baseline: the run to compare its namesake variant's run against, if any.
  ///   - pairs: the comparisons between the runs, as indexes into `runs`.
  func finish(
    _ runs: [RunResults], outlines: [RunOutline], history: [RunRecord], baseline: RunResults?,
    pairs: [ComparisonPair]
  ) throws -> String
  /// Drops what was written so far.
  func abandon()
}

extension EvaluationReporter {
  /// Reports that keep each run in memory and write them whole when they finish: for
  /// reporters without streaming reports of their own.
  public func begin(evaluationID: String, runs: [RunInfo]) throws -> any EvaluationReport {
    BufferedEvaluationReport(reporter: self, evaluationID: evaluationID, runs: runs.count)
  }
}

/// An ``EvaluationReport`` that holds every run's threads, then hands the whole runs to its
/// reporter's ``EvaluationReporter/write(_:evaluationID:history:baseline:pairs:)``.
public final class BufferedEvaluationReport: EvaluationReport, @unchecked Sendable {
  private let reporter: any EvaluationReporter
  private let evaluationID: String
  private var threads: [[ThreadCases]]

  public init(reporter: any EvaluationReporter, evaluationID: String, runs: Int) {
    self.reporter = reporter
    self.evaluationID = evaluationID
    self.threads = Array(repeating: [], count: runs)
  }

  public func add(variant: Int, _ thread: ThreadCases) throws {
    threads[variant].append(thread)
  }

  public func finish(
    _ runs: [RunResults], outlines: [RunOutline], history: [RunRecord], baseline: RunResults?,
    pairs: [ComparisonPair]
  ) throws -> String {
    let whole = runs.enumerated().map { index, head in
      var results = head
      let kept = threads[index]
      results.cases = kept.flatMap(\.cases)
      let withEvents = kept.filter { !$0.events.isEmpty }
      results.threads =
        withEvents.isEmpty
        ? nil : Dictionary(withEvents.map { ($0.thread, $0.events) }, uniquingKeysWith: { $1 })
      return results
    }
    threads = []
    return try reporter.write(
      whole, evaluationID: evaluationID, history: history, baseline: baseline, pairs: pairs)
  }

  public func abandon() {
    threads = []
  }
}
