import RefoldCore
import RefoldShared
import Testing

@testable import RefoldEval

/// A run of 100 step cases; `failing` lists the case numbers that fail.
private func run(_ id: String, failing: Set<Int>) -> RunResults {
  var scorer = Scorer()
  let cases = (0..<100).map { index in
    let expected = Intent(name: "list_git_tags")
    let actual = failing.contains(index) ? Intent(name: "done_for_now") : expected
    return CaseResult(
      id: "t\(index)#0", thread: "t\(index)", mode: "step", step: 0, expected: expected,
      actual: actual, verdict: failing.contains(index) ? .wrongIntent : .pass)
  }
  scorer.add(contentsOf: cases)
  return RunResults(
    run: RunInfo(
      id: id, suite: "s", variant: "v", modes: ["step"], modelSource: "recorded",
      startedAt: "2026-11-20T10:00:00Z", finishedAt: "2026-11-20T10:00:00Z", toolVersion: "t"),
    summary: scorer.summary, byIntent: scorer.breakdown, cases: cases)
}

@Suite struct GateTests {
  @Test func passesOnNoise() {
    let baseline = run("a", failing: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    // Two cases got worse, two got better.
    let current = run("b", failing: [1, 2, 3, 4, 5, 6, 7, 8, 11, 12])
    let outcome = Gate.evaluate(
      current, thresholds: Thresholds(minIntentAccuracy: 0.8), baseline: baseline)
    #expect(outcome.passed)
    let regression = outcome.regression
    #expect(regression?.newlyFailing == ["t11#0", "t12#0"])
    #expect(regression?.newlyPassing == ["t10#0", "t9#0"])
    #expect(regression?.pValue == 1)
    #expect(regression?.significant == false)
  }

  @Test func passesOnASmallInsignificantDrop() {
    let baseline = run("a", failing: [1, 2, 3])
    let current = run("b", failing: [1, 2, 3, 4, 5, 6])
    let outcome = Gate.evaluate(current, thresholds: Thresholds(), baseline: baseline)
    #expect(outcome.passed)
    #expect((outcome.regression?.pValue ?? 0) > 0.05)
  }

  @Test func failsOnARealDrop() {
    let baseline = run("a", failing: [1])
    let current = run("b", failing: Set(1...12))
    let outcome = Gate.evaluate(current, thresholds: Thresholds(), baseline: baseline)
    #expect(!outcome.passed)
    #expect(outcome.regression?.significant == true)
    #expect((outcome.regression?.pValue ?? 1) < 0.001)
    #expect(outcome.regression?.newlyFailing.count == 11)
    #expect(outcome.failures.count == 1)
    #expect(outcome.failures.first?.contains("McNemar") == true)
  }

  @Test func thresholdsAndTheirOverride() {
    let current = run("b", failing: Set(0..<25))
    let strict = Gate.evaluate(current, thresholds: Thresholds(minIntentAccuracy: 0.8))
    #expect(!strict.passed)
    #expect(
      strict.failures.first?.hasPrefix("intent accuracy 75.0% is below the threshold 80.0%") == true
    )
    let relaxed = Gate.evaluate(
      current, thresholds: Thresholds(minIntentAccuracy: 0.8), minAccuracy: 0.7)
    #expect(relaxed.passed)
    let cases = Gate.evaluate(current, thresholds: Thresholds(minCasePassRate: 0.9))
    #expect(!cases.passed)
    // No loop runs: the loop threshold has nothing to check.
    #expect(Gate.evaluate(current, thresholds: Thresholds(minLoopPassRate: 0.9)).passed)
  }
}
