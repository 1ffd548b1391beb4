import Foundation
import RefoldCore
import RefoldShared
import Testing

@testable import RefoldReport

@Suite("paired comparison")
struct ComparisonTests {
  /// Two runs over the same 60 step cases (plus one case only in each):
  /// the baseline gets the intent wrong at cases 0–9; the candidate gets the intent wrong at
  /// 5–14 and the parameters wrong at 15–24.
  static func pairedRuns() throws -> (RunResults, RunResults) {
    let threads = DeployBotRuns.threads(count: 16)
    let perfect = DeployBotRuns.run(id: "a", threads: threads, errorRate: 0, seed: 1)
    let cases = Array(perfect.cases.prefix(60))
    try #require(cases.count == 60)
    func broken(_ result: CaseResult, _ verdict: CaseResult.Verdict) -> CaseResult {
      var result = result
      result.verdict = verdict
      if verdict == .wrongIntent {
        result.actual = Intent(name: "request_clarification", parameters: ["question": "which?"])
      } else {
        result.actual?.parameters = ["tag": "v0.0.0"]
      }
      return result
    }
    var baselineCases = cases.enumerated().map { $0 < 10 ? broken($1, .wrongIntent) : $1 }
    var candidateCases = cases.enumerated().map { index, result in
      index >= 5 && index < 15
        ? broken(result, .wrongIntent)
        : (index >= 15 && index < 25 ? broken(result, .wrongParameters) : result)
    }
    baselineCases.append(
      CaseResult(id: "only-a#0", thread: "only-a", mode: "step", step: 0, verdict: .pass))
    candidateCases.append(
      CaseResult(id: "only-b#0", thread: "only-b", mode: "step", step: 0, verdict: .pass))
    var baseline = perfect
    baseline.cases = baselineCases
    baseline.summary = DeployBotRuns.summarize(baselineCases, loopRuns: 0)
    var candidate = DeployBotRuns.run(
      id: "b", variant: "json-events", threads: threads, errorRate: 0, seed: 1)
    candidate.cases = candidateCases
    candidate.summary = DeployBotRuns.summarize(candidateCases, loopRuns: 0)
    candidate.summary.tokens?.perDecision = (baseline.summary.tokens?.perDecision ?? 0) * 1.5
    return (baseline, candidate)
  }

  @Test("figures match values computed independently")
  func figures() throws {
    let (baseline, candidate) = try ComparisonTests.pairedRuns()
    let comparison = Comparison.compare(baseline, candidate, seed: 0x5EED)
    #expect(comparison.sharedCases == 60)
    #expect(comparison.onlyInBaseline == 1 && comparison.onlyInCandidate == 1)
    // Observed paired differences, by counting: case pass 50/60 → 40/60; intent accuracy
    // 50/60 → 50/60; parameter accuracy on the 45 cases right in both: 45/45 → 35/45.
    #expect(comparison.casePassRate.pairs == 60)
    #expect(abs((comparison.casePassRate.difference ?? 0) - (-10.0 / 60)) < 1e-12)
    #expect(comparison.intentAccuracy.difference == 0)
    #expect(comparison.parameterAccuracy.pairs == 45)
    #expect(abs((comparison.parameterAccuracy.candidate ?? 0) - 35.0 / 45) < 1e-12)
    // McNemar: 15 regressions (10–24), 5 improvements (0–4).
    //   $ python3 -c "from scipy.stats import binomtest; print(binomtest(5, 20, 0.5).pvalue)"
    //   0.04138946533203125
    #expect(comparison.mcnemar.baselineOnly == 15 && comparison.mcnemar.candidateOnly == 5)
    #expect(abs(comparison.mcnemar.pValue - 0.04138946533203125) < 1e-12)
    #expect(comparison.isSignificantRegression())
    #expect(
      comparison.regressions.map(\.id)
        == baseline.cases[10..<25].map(\.id).sorted(by: ComparisonTests.caseOrder))
    #expect(comparison.improvements.count == 5)
    // Bootstrap intervals, reproduced with an independent SplitMix64 resampler in Python
    // (seed 0x5EED + 0/1/2 per rate, 2000 resamples, percentile 2.5/97.5):
    //   case (-0.16666666666666666, -0.3, -0.03333333333333333)
    //   param (-0.2222222222222222, -0.35555555555555557, -0.1111111111111111)
    //   intent (0.0, -0.1, 0.1)
    #expect(abs((comparison.casePassRate.low ?? 0) - -0.3) < 1e-12)
    #expect(abs((comparison.casePassRate.high ?? 0) - -0.03333333333333333) < 1e-12)
    #expect(abs((comparison.parameterAccuracy.low ?? 0) - -0.35555555555555557) < 1e-12)
    #expect(abs((comparison.parameterAccuracy.high ?? 0) - -0.1111111111111111) < 1e-12)
    #expect(comparison.intentAccuracy.low == -0.1 && comparison.intentAccuracy.high == 0.1)
    #expect(comparison.casePassRate.excludesZero && !comparison.intentAccuracy.excludesZero)
    #expect(abs((comparison.tokens.ratio ?? 0) - 1.5) < 1e-9)
    // Same seed, same figures.
    #expect(Comparison.compare(baseline, candidate, seed: 0x5EED) == comparison)
  }

  static func caseOrder(_ lhs: String, _ rhs: String) -> Bool {
    func key(_ id: String) -> (String, Int) {
      let parts = id.split(separator: "#")
      return (String(parts.first ?? ""), Int(parts.last ?? "") ?? 0)
    }
    return key(lhs) < key(rhs)
  }

  @Test("a run compared with itself has no flips and p = 1")
  func identical() throws {
    let (baseline, _) = try ComparisonTests.pairedRuns()
    let comparison = Comparison.compare(baseline, baseline)
    #expect(comparison.regressions.isEmpty && comparison.improvements.isEmpty)
    #expect(comparison.mcnemar.pValue == 1)
    #expect(comparison.casePassRate.difference == 0 && comparison.casePassRate.low == 0)
    #expect(!comparison.isSignificantRegression())
  }

  @Test("several variants are compared pairwise against the first")
  func multiVariant() throws {
    let (baseline, candidate) = try ComparisonTests.pairedRuns()
    var third = candidate
    third.run.variant = "chat-messages"
    third.run.id = "c"
    let comparisons = Comparison.compare(runs: [baseline, candidate, third])
    #expect(comparisons.count == 2)
    #expect(comparisons.map(\.candidate.variant) == ["json-events", "chat-messages"])
    #expect(comparisons.allSatisfy { $0.baseline.runID == "a" })
    let text = Comparison.text(comparisons)
    #expect(text.contains("baseline → json-events: 60 shared cases"))
    #expect(text.contains("  runs a → b\n"))
    #expect(text.contains("exact p = 0.0414, significant at α = 0.05 — significant regression"))
    // Columns line up: every table row of a block has the same length up to its last cell.
    let tableLines = text.split(separator: "\n").filter {
      $0.hasPrefix("Intent accuracy") || $0.hasPrefix("Case pass rate") || $0.hasPrefix("rate ")
    }
    #expect(tableLines.count == 6)
    let deltaColumns = Set(
      tableLines.compactMap { $0.range(of: " pp")?.lowerBound.utf16Offset(in: $0) })
    #expect(deltaColumns.count <= 2, "Δ column aligned: \(tableLines)")
  }

  @Test("a comparison.json that cannot be read says which field, in one sentence")
  func unreadableComparisonSaysWhichField() throws {
    let data = Data(#"{"schema":"refold.comparison/v1","comparisons":[{"baseline":"a"}]}"#.utf8)
    do {
      _ = try Comparison.decode(data)
      Issue.record("a comparison without its fields decoded")
    } catch {
      let sentence = "\(error)"
      #expect(sentence.contains("comparison.json"))
      #expect(sentence.contains("it has no \"comparisons[0]."))
      #expect(!sentence.contains("keyNotFound") && !sentence.contains("CodingKeys"))
    }
  }

  @Test("comparison.json round-trips and comparison.html escapes names")
  func renderers() throws {
    var (baseline, candidate) = try ComparisonTests.pairedRuns()
    candidate.run.variant = "<script>alert(1)</script>"
    candidate.cases[12].id = "x\"><img src=x onerror=alert(1)>#2"
    baseline.cases[12].id = candidate.cases[12].id
    let comparison = Comparison.compare(baseline, candidate)
    let directory = try Scripts.temporaryDirectory("comparison")
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let paths = try ComparisonWriter().write([comparison], to: directory)
    let data = try Data(contentsOf: URL(fileURLWithPath: paths[0]))
    #expect(try Comparison.decode(data) == [comparison])
    let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    #expect(json["schema"] as? String == "refold.comparison/v1")
    let first = try #require((json["comparisons"] as? [[String: Any]])?.first)
    #expect(first["case_pass_rate"] != nil && first["shared_cases"] as? Int == 60)
    let html = try String(contentsOfFile: paths[1], encoding: .utf8)
    #expect(!html.contains("<script>alert") && !html.contains("<img"))
    #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
    #expect(html.contains("x&quot;&gt;&lt;img src=x onerror=alert(1)&gt;#2"))
    // A flipped case links the candidate's drill-down in report.html, compared with the
    // baseline's variant.
    let link = try #require(html.range(of: "<a href=\"report.html#case="))
    let href = html[link.upperBound...].prefix { $0 != "\"" }
    #expect(href.contains("&amp;variant=%3Cscript%3Ealert%281%29%3C%2Fscript%3E"))
    #expect(href.contains("&amp;compare=\(baseline.run.variant)"))
  }
}
