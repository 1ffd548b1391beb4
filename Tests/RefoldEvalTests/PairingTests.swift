import RefoldCore
import RefoldEval
import RefoldReport
import RefoldShared
import Testing

/// The CI gate and `refold compare` read one pairing (``CasePairing``), so their pairs,
/// flipped cases and McNemar p-values agree, source errors and unshared cases included.
@Suite struct PairingTests {
  /// Step cases `t0#0…`: `verdicts` overrides the verdict of some (the rest pass).
  func run(_ id: String, cases: Range<Int>, verdicts: [Int: CaseResult.Verdict]) -> RunResults {
    var scorer = Scorer()
    let results = cases.map { index in
      let verdict = verdicts[index] ?? .pass
      let expected = Intent(name: "list_git_tags")
      return CaseResult(
        id: "t\(index)#0", thread: "t\(index)", mode: "step", step: 0, expected: expected,
        actual: verdict == .pass ? expected : Intent(name: "done_for_now"), verdict: verdict)
    }
    scorer.add(contentsOf: results)
    return RunResults(
      run: RunInfo(
        id: id, suite: "s", variant: "v", modes: ["step"], modelSource: "recorded",
        startedAt: "2026-11-20T10:00:00Z", finishedAt: "2026-11-20T10:00:00Z", toolVersion: "t"),
      summary: scorer.summary, byIntent: scorer.breakdown, cases: results)
  }

  @Test func gateAndComparisonPairTheSameCases() {
    // The baseline holds t0…t59 with t1 failing and a source error on t50; the candidate
    // holds t5…t64, fails t10…t17, and hit source errors on t20…t25.
    var failures: [Int: CaseResult.Verdict] = [:]
    for index in 10...17 { failures[index] = .wrongIntent }
    for index in 20...25 { failures[index] = .sourceError }
    let baseline = run("a", cases: 0..<60, verdicts: [1: .wrongIntent, 50: .sourceError])
    let candidate = run("b", cases: 5..<65, verdicts: failures)

    let pairing = CasePairing(baseline: baseline, candidate: candidate)
    #expect(pairing.pairs.count == 55 - 7)
    #expect(pairing.sourceErrors == 7)
    #expect(pairing.onlyInBaseline == 5)
    #expect(pairing.onlyInCandidate == 5)
    #expect(pairing.pairs.map(\.baseline.id) == pairing.pairs.map(\.candidate.id))

    let regression = Gate.compare(baseline: baseline, current: candidate)
    let comparison = Comparison.compare(baseline, candidate)
    #expect(regression.pairs == pairing.pairs.count)
    #expect(comparison.sharedCases == pairing.pairs.count)
    #expect(regression.newlyFailing == (10...17).map { "t\($0)#0" }.sorted())
    #expect(comparison.regressions.map(\.id).sorted() == regression.newlyFailing)
    #expect(comparison.improvements.isEmpty && regression.newlyPassing.isEmpty)
    #expect(comparison.mcnemar.pValue == regression.pValue)
    #expect(regression.pValue == Statistics.mcnemarExact(b: 8, c: 0))
    #expect(comparison.isSignificantRegression() == regression.significant)
  }
}
