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
