import Foundation
import RefoldCore
import RefoldShared

/// The `results.json` of an evaluation of several variants (`schema: "refold.results/v2"`):
/// the evaluation's verdict and, for every variant, its run, summary, gate and the path of
/// its own `refold.results/v1` file; then the comparisons between variants.
///
/// An evaluation of one variant writes that run's `refold.results/v1` file as `results.json`
/// instead; ``ResultsReader`` reads both. The variants' files sit beside the manifest, one
/// directory per variant (`baseline/results.json`), each a whole run that `refold report`,
/// `refold compare`, `refold merge` and `--baseline` read on its own.
///
/// ```swift
/// let manifest = EvaluationManifest(
///   runs: runs, evaluationID: stamp, comparisons: comparisons,
///   resultsPath: { layout.resultsPath(variant: $0, variants: runs.count) })
/// try manifest.write(in: layout.directory)
/// ```
public struct EvaluationManifest: Sendable, Hashable, Codable {
  public static let schemaIdentifier = "refold.results/v2"

  /// The evaluation as a whole.
  public struct Info: Sendable, Hashable, Codable {
    /// The evaluation's id: the stamp its variants' run ids start with.
    public var id: String
    public var suite: String
    /// The worst of the variants' verdicts: the one the exit code gives.
    public var verdict: RunGate.Verdict
    public var startedAt: String
    public var finishedAt: String
    public var modelSource: String
    public var gitCommit: String?
    public var toolVersion: String
    public var shard: String?

    enum CodingKeys: String, CodingKey {
      case id, suite, verdict, shard
      case startedAt = "started_at"
      case finishedAt = "finished_at"
      case modelSource = "model_source"
      case gitCommit = "git_commit"
      case toolVersion = "tool_version"
    }
  }

  /// One variant's run: what its own results file holds, without the cases.
  public struct Entry: Sendable, Hashable, Codable {
    /// The run's `refold.results/v1` file, relative to the manifest's directory.
    public var results: String
    public var run: RunInfo
    public var summary: RunSummary
    public var gate: RunGate
  }

  /// One comparison between two variants, as `comparison.json` holds it in full.
  public struct ComparisonEntry: Sendable, Hashable, Codable {
    /// The reference variant.
    public var baseline: String
    /// The variant compared against it.
    public var candidate: String
    /// The reference run's id (a `--baseline` run is not one of the evaluation's).
    public var baselineRun: String
    public var candidateRun: String
    public var sharedCases: Int
    /// Cases that passed in the baseline and fail in the candidate.
    public var regressions: Int
    /// Cases that failed in the baseline and pass in the candidate.
    public var improvements: Int
    /// Candidate − baseline case pass rate on the shared cases.
    public var casePassDifference: Double?
    /// McNemar's exact p-value on case pass.
    public var mcnemarP: Double
    /// Fewer passes in the candidate, with McNemar's p below α = 0.05.
    public var significantRegression: Bool

    enum CodingKeys: String, CodingKey {
      case baseline, candidate, regressions, improvements
      case baselineRun = "baseline_run"
      case candidateRun = "candidate_run"
      case sharedCases = "shared_cases"
      case casePassDifference = "case_pass_difference"
      case mcnemarP = "mcnemar_p"
      case significantRegression = "significant_regression"
    }
  }

  public var schema: String
  public var evaluation: Info
  public var variants: [Entry]
  public var comparisons: [ComparisonEntry]
  /// `comparison.json`, relative to the manifest, when there are comparisons.
  public var comparisonFile: String?

  enum CodingKeys: String, CodingKey {
    case schema, evaluation, variants, comparisons
    case comparisonFile = "comparison_file"
  }

  /// The manifest of `runs` (in the evaluation's order) and the comparisons between them.
  ///
  /// - Parameter resultsPath: where each variant's results file is, relative to the manifest.
  public init(
    runs: [RunResults], evaluationID: String, comparisons: [Comparison],
    resultsPath: (String) -> String
  ) {
    let first = runs.first?.run
    schema = Self.schemaIdentifier
    evaluation = Info(
      id: evaluationID, suite: first?.suite ?? "", verdict: GateView.verdict(of: runs),
      startedAt: runs.map(\.run.startedAt).min() ?? "",
      finishedAt: runs.map(\.run.finishedAt).max() ?? "",
      modelSource: first?.modelSource ?? "", gitCommit: first?.gitCommit,
      toolVersion: first?.toolVersion ?? "", shard: first?.shard)
    variants = runs.map {
      Entry(
        results: resultsPath($0.run.variant), run: $0.run, summary: $0.summary,
        gate: GateView.gate(of: $0))
    }
    self.comparisons = comparisons.map {
      ComparisonEntry(
        baseline: $0.baseline.variant, candidate: $0.candidate.variant,
        baselineRun: $0.baseline.runID, candidateRun: $0.candidate.runID,
        sharedCases: $0.sharedCases, regressions: $0.regressions.count,
        improvements: $0.improvements.count, casePassDifference: $0.casePassRate.difference,
        mcnemarP: $0.mcnemar.pValue,
        significantRegression: $0.isSignificantRegression(alpha: Comparison.alpha))
    }
    comparisonFile = comparisons.isEmpty ? nil : ComparisonWriter.jsonFileName
  }

  /// The file's bytes: pretty-printed, keys sorted, a newline at the end.
  public func encoded() throws(ReportError) -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    do {
      return try encoder.encode(self) + Data("\n".utf8)
    } catch {
      throw .cannotWrite(
        path: ResultsWriter.fileName, reason: "the manifest cannot be encoded (\(error))")
    }
  }

  /// Writes the manifest as `directory/results.json` atomically.
  ///
  /// - Returns: the path written.
  @discardableResult
  public func write(in directory: String) throws(ReportError) -> String {
    try ReportFile.write(encoded(), named: ResultsWriter.fileName, in: directory)
  }
}
