/// The cases two runs share, paired by case id: the one pairing that the CI gate's
/// regression test and `refold compare` both read.
///
/// A case is paired when both runs hold its id and neither side's verdict is a source
/// error: a cassette miss or an unreachable endpoint says nothing about the agent, so it
/// neither passes nor fails a pair. Pairs keep the baseline's case order (the bootstrap
/// resamples them by position, so the same runs give the same intervals everywhere). When a
/// run holds an id twice, its first case is used.
///
/// ```swift
/// let pairing = CasePairing(baseline: yesterday, candidate: today)
/// let p = Statistics.mcnemarExact(
///   b: pairing.newlyFailing.count, c: pairing.newlyPassing.count)
/// ```
public struct CasePairing: Sendable, Hashable {
  /// One case as each run judged it.
  public struct Pair: Sendable, Hashable {
    public var baseline: CaseOutline
    public var candidate: CaseOutline

    public init(baseline: CaseOutline, candidate: CaseOutline) {
      self.baseline = baseline
      self.candidate = candidate
    }

    /// Passed in the baseline, fails in the candidate.
    public var isRegression: Bool { baseline.passed && !candidate.passed }
    /// Failed in the baseline, passes in the candidate.
    public var isImprovement: Bool { !baseline.passed && candidate.passed }
  }

  /// The paired cases, in the baseline's order.
  public var pairs: [Pair]
  /// Cases of the baseline whose id the candidate does not hold.
  public var onlyInBaseline: Int
  /// Cases of the candidate whose id the baseline does not hold.
  public var onlyInCandidate: Int
  /// Shared ids left out because either side's verdict is a source error.
  public var sourceErrors: Int

  /// Pairs the cases of `baseline` and `candidate` by id.
  public init(baseline: RunResults, candidate: RunResults) {
    self.init(
      baseline: baseline.cases.map(CaseOutline.init),
      candidate: candidate.cases.map(CaseOutline.init))
  }

  /// Pairs the cases of two runs' outlines by id.
  public init(baseline: RunOutline, candidate: RunOutline) {
    self.init(baseline: baseline.cases, candidate: candidate.cases)
  }

  /// Pairs `baseline`'s cases with `candidate`'s by id, in `baseline`'s order.
  public init(baseline: [CaseOutline], candidate: [CaseOutline]) {
    var candidateByID: [String: CaseOutline] = [:]
    for result in candidate where candidateByID[result.id] == nil {
      candidateByID[result.id] = result
    }
    var seen = Set<String>()
    var pairs: [Pair] = []
    var onlyInBaseline = 0
    var sourceErrors = 0
    for result in baseline where seen.insert(result.id).inserted {
      guard let other = candidateByID[result.id] else {
        onlyInBaseline += 1
        continue
      }
      if result.verdict == .sourceError || other.verdict == .sourceError {
        sourceErrors += 1
        continue
      }
      pairs.append(Pair(baseline: result, candidate: other))
    }
    self.pairs = pairs
    self.onlyInBaseline = onlyInBaseline
    self.onlyInCandidate = candidateByID.keys.filter { !seen.contains($0) }.count
    self.sourceErrors = sourceErrors
  }

  /// Pairs that passed in the baseline and fail in the candidate.
  public var newlyFailing: [Pair] { pairs.filter(\.isRegression) }
  /// Pairs that failed in the baseline and pass in the candidate.
  public var newlyPassing: [Pair] { pairs.filter(\.isImprovement) }
  /// Pairs whose baseline case passed.
  public var baselinePassed: Int { pairs.filter(\.baseline.passed).count }
  /// Pairs whose candidate case passed.
  public var candidatePassed: Int { pairs.filter(\.candidate.passed).count }

  /// McNemar's exact two-sided p-value on the pairs that flipped.
  public var mcnemarPValue: Double {
    Statistics.mcnemarExact(b: newlyFailing.count, c: newlyPassing.count)
  }
}
