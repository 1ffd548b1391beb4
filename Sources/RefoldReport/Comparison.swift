import Foundation
import RefoldCore
import RefoldShared

/// A paired comparison of two runs on the cases they share (by case id).
///
/// For each headline rate it gives the paired difference (candidate − baseline) with a
/// seeded bootstrap 95% interval; for case pass, McNemar's exact p-value; the cases that
/// flipped in either direction; and token cost per decision side by side.
///
/// Cases are paired by ``CasePairing``, as the CI gate pairs them (shared ids, source errors
/// left out). Case pass rate uses every pair; intent accuracy the step pairs;
/// parameter accuracy the shared step cases whose intent was right in both runs (so both
/// sides are judged on the same decisions).
///
/// ```swift
/// let comparison = Comparison.compare(baselineRun, candidateRun)
/// print(comparison.text)
/// if comparison.isSignificantRegression() { exit(1) }
/// ```
public struct Comparison: Sendable, Hashable, Codable {
  public static let schemaIdentifier = "refold.comparison/v1"
  /// The significance level the text of a comparison judges its p-value at.
  public static let alpha = 0.05

  /// One side of the comparison.
  public struct Side: Sendable, Hashable, Codable {
    public var runID: String
    public var suite: String
    public var variant: String
    public var startedAt: String
    public var cases: Int

    // `runId` so the snake-case key strategies map it to and from `run_id`.
    enum CodingKeys: String, CodingKey {
      case suite, variant, cases, startedAt
      case runID = "runId"
    }

    public init(run: RunInfo, cases: Int) {
      runID = run.id
      suite = run.suite
      variant = run.variant
      startedAt = run.startedAt
      self.cases = cases
    }
  }

  /// One rate on the shared pairs: both sides and the paired difference with its interval.
  public struct PairedRate: Sendable, Hashable, Codable {
    public var metric: HeadlineRate
    public var pairs: Int
    public var baseline: Double?
    public var candidate: Double?
    /// `candidate − baseline`, the observed mean paired difference.
    public var difference: Double?
    /// Percentile bootstrap 95% interval of the difference.
    public var low: Double?
    public var high: Double?

    /// Whether the interval excludes zero.
    public var excludesZero: Bool {
      guard let low, let high else { return false }
      return low > 0 || high < 0
    }
  }

  /// McNemar's exact test on case pass: `b` passed only in the baseline, `c` only in the
  /// candidate.
  public struct McNemar: Sendable, Hashable, Codable {
    public var baselineOnly: Int
    public var candidateOnly: Int
    public var pValue: Double
  }

  /// A case that passed on one side and failed on the other.
  public struct FlippedCase: Sendable, Hashable, Codable {
    public var id: String
    public var thread: String
    public var step: Int?
    public var expected: String?
    public var baselineVerdict: CaseResult.Verdict
    public var candidateVerdict: CaseResult.Verdict
    public var baselineActual: String?
    public var candidateActual: String?
  }

  /// Token cost per decision on each side (from each run's summary).
  public struct Tokens: Sendable, Hashable, Codable {
    public var baselinePerDecision: Double?
    public var candidatePerDecision: Double?
    /// `candidate / baseline`, when both are known.
    public var ratio: Double?
  }

  public var schema: String
  public var baseline: Side
  public var candidate: Side
  public var sharedCases: Int
  public var onlyInBaseline: Int
  public var onlyInCandidate: Int
  public var intentAccuracy: PairedRate
  public var parameterAccuracy: PairedRate
  public var casePassRate: PairedRate
  public var mcnemar: McNemar
  /// Passed in the baseline, failed in the candidate; ordered by thread and step.
  public var regressions: [FlippedCase]
  /// Failed in the baseline, passed in the candidate.
  public var improvements: [FlippedCase]
  public var tokens: Tokens
  public var seed: UInt64
  public var resamples: Int

  /// The paired rates in display order.
  public var rates: [PairedRate] { [intentAccuracy, parameterAccuracy, casePassRate] }

  /// Compares `candidate` against `baseline` on the cases they share.
  ///
  /// - Parameters:
  ///   - seed: seeds the bootstrap, so the same runs give the same intervals everywhere.
  ///   - resamples: bootstrap resamples per rate.
  public static func compare(
    _ baseline: RunResults, _ candidate: RunResults, seed: UInt64 = 0x5EED,
    resamples: Int = 2000
  ) -> Comparison {
    compare(baseline.outline, candidate.outline, seed: seed, resamples: resamples)
  }

  /// Compares `candidate` against `baseline` on the cases they share, from the runs'
  /// outlines (what a streamed evaluation keeps of its cases).
  public static func compare(
    _ baseline: RunOutline, _ candidate: RunOutline, seed: UInt64 = 0x5EED,
    resamples: Int = 2000
  ) -> Comparison {
    let pairing = CasePairing(baseline: baseline, candidate: candidate)
    let pairs = pairing.pairs.map { ($0.baseline, $0.candidate) }

    func intentRight(_ result: CaseOutline) -> Bool {
      result.verdict == .pass || result.verdict == .wrongParameters
    }
    let steps = pairs.filter { $0.0.mode == "step" && $0.1.mode == "step" }
    let intentPairs = steps.map { (intentRight($0.0) ? 1.0 : 0, intentRight($0.1) ? 1.0 : 0) }
    let parameterPairs = steps.filter { intentRight($0.0) && intentRight($0.1) }
      .map { ($0.0.passed ? 1.0 : 0, $0.1.passed ? 1.0 : 0) }
    let passPairs = pairs.map { ($0.0.passed ? 1.0 : 0, $0.1.passed ? 1.0 : 0) }

    func paired(_ metric: HeadlineRate, _ values: [(Double, Double)], _ offset: UInt64)
      -> PairedRate
    {
      guard !values.isEmpty else {
        return PairedRate(
          metric: metric, pairs: 0, baseline: nil, candidate: nil, difference: nil, low: nil,
          high: nil)
      }
      let a = values.map(\.0)
      let b = values.map(\.1)
      let n = Double(values.count)
      let interval = Statistics.pairedBootstrap(a, b, resamples: resamples, seed: seed &+ offset)
      return PairedRate(
        metric: metric, pairs: values.count, baseline: a.reduce(0, +) / n,
        candidate: b.reduce(0, +) / n, difference: interval?.difference, low: interval?.low,
        high: interval?.high)
    }

    func flipped(_ pair: (CaseOutline, CaseOutline)) -> FlippedCase {
      FlippedCase(
        id: pair.0.id, thread: pair.0.thread, step: pair.0.step,
        expected: pair.0.expected ?? pair.1.expected,
        baselineVerdict: pair.0.verdict, candidateVerdict: pair.1.verdict,
        baselineActual: pair.0.actual, candidateActual: pair.1.actual)
    }
    func order(_ lhs: FlippedCase, _ rhs: FlippedCase) -> Bool {
      if lhs.thread != rhs.thread { return lhs.thread < rhs.thread }
      return (lhs.step ?? Int.max, lhs.id) < (rhs.step ?? Int.max, rhs.id)
    }
    let regressions = pairing.newlyFailing.map { flipped(($0.baseline, $0.candidate)) }
      .sorted(by: order)
    let improvements = pairing.newlyPassing.map { flipped(($0.baseline, $0.candidate)) }
      .sorted(by: order)

    let baselineTokens = baseline.summary.tokens?.perDecision
    let candidateTokens = candidate.summary.tokens?.perDecision
    var ratio: Double? = nil
    if let baselineTokens, let candidateTokens, baselineTokens > 0 {
      ratio = candidateTokens / baselineTokens
    }

    return Comparison(
      schema: schemaIdentifier,
      baseline: Side(run: baseline.run, cases: baseline.cases.count),
      candidate: Side(run: candidate.run, cases: candidate.cases.count),
      sharedCases: pairs.count, onlyInBaseline: pairing.onlyInBaseline,
      onlyInCandidate: pairing.onlyInCandidate,
      intentAccuracy: paired(.intentAccuracy, intentPairs, 0),
      parameterAccuracy: paired(.parameterAccuracy, parameterPairs, 1),
      casePassRate: paired(.casePassRate, passPairs, 2),
      mcnemar: McNemar(
        baselineOnly: regressions.count, candidateOnly: improvements.count,
        pValue: pairing.mcnemarPValue),
      regressions: regressions, improvements: improvements,
      tokens: Tokens(
        baselinePerDecision: baselineTokens, candidatePerDecision: candidateTokens, ratio: ratio),
      seed: seed, resamples: resamples)
  }

  /// Compares every run against the first (the baseline variant), pairwise.
  ///
  /// - Returns: one comparison per run after the first, in order.
  public static func compare(
    runs: [RunResults], seed: UInt64 = 0x5EED, resamples: Int = 2000
  ) -> [Comparison] {
    guard let first = runs.first else { return [] }
    return runs.dropFirst().map { compare(first, $0, seed: seed, resamples: resamples) }
  }

  /// Whether the candidate is significantly worse on case pass: fewer passes and McNemar's
  /// p-value below `alpha`.
  public func isSignificantRegression(alpha: Double = 0.05) -> Bool {
    mcnemar.baselineOnly > mcnemar.candidateOnly && mcnemar.pValue < alpha
  }

  /// Whether the runs share no cases.
  public var isEmpty: Bool { sharedCases == 0 }
}
