import Foundation
import RefoldCore
import RefoldShared
import Testing

@testable import RefoldReport

@Suite("summary.md, layout and bundle")
struct SummaryAndLayoutTests {
  @Test("the summary gives rates, thresholds, the change against the baseline and links")
  func summaryWithBaseline() throws {
    let (baseline, candidate) = try ComparisonTests.pairedRuns()
    let comparison = Comparison.compare(baseline, candidate)
    let text = MarkdownSummaryWriter(maxListed: 3).render(candidate, baseline: comparison)
    #expect(text.hasPrefix("### Refold · deploy-bot · json-events — "))
    #expect(
      text.contains("| Case pass rate | 66.1% (41/62)") || text.contains("| Case pass rate |"))
    #expect(text.contains("−") || text.contains("-16.7 pp"))
    #expect(text.contains("15 regressed, 5 improved, McNemar p = 0.0414"))
    let firstRegression = try #require(comparison.regressions.first)
    #expect(
      text.contains(
        "(report.html#case=\(firstRegression.id.replacingOccurrences(of: "#", with: "%23")))"))
    #expect(text.contains("- … and 12 more"))
    #expect(text.contains("❌"))
  }

  @Test("with several variants the summary lists each and the worst comparison's regressions first")
  func summaryOfSeveralVariants() throws {
    let threads = DeployBotRuns.threads(count: 30)
    let reference = DeployBotRuns.run(
      id: "e-a", variant: "a", threads: threads, errorRate: 0.1, seed: 3)
    let slightly = DeployBotRuns.run(
      id: "e-b", variant: "b", threads: threads, errorRate: 0.2, seed: 4)
    let much = DeployBotRuns.run(id: "e-c", variant: "c", threads: threads, errorRate: 0.7, seed: 5)
    let comparisons = [
      Comparison.compare(reference, slightly), Comparison.compare(reference, much),
    ]
    #expect(
      (comparisons[1].casePassRate.difference ?? 0) < (comparisons[0].casePassRate.difference ?? 0))
    #expect(comparisons.allSatisfy { !$0.regressions.isEmpty })
    let text = MarkdownSummaryWriter(reportURL: "https://ci.example/r/1", maxListed: 1000).render(
      runs: [reference, slightly, much], comparisons: comparisons)
    #expect(text.hasPrefix("### Refold · deploy-bot · a, b, c — "))
    for run in [reference, slightly, much] {
      #expect(text.contains("| \(run.run.variant) | `\(run.run.id)` | "))
      #expect(text.contains("#### \(run.run.variant) — "))
    }
    #expect(text.contains("| a → b | ") && text.contains("| a → c | "))
    let listed = text.split(separator: "\n").filter { $0.hasPrefix("- [") }
    let first = try #require(listed.first)
    #expect(first.contains(" — a → c: "), "\(first)")
    #expect(first.contains("](https://ci.example/r/1/report.html#case="))
    #expect(first.contains("&variant=c)"))
    let lastOfC = try #require(listed.lastIndex { $0.contains(" — a → c: ") })
    let firstOfB = try #require(listed.firstIndex { $0.contains(" — a → b: ") })
    #expect(lastOfC < firstOfB)
    #expect(
      text.hasSuffix("· comparison: [comparison.html](https://ci.example/r/1/comparison.html)\n"))
  }

  @Test("the summary without a baseline lists failing cases and escapes Markdown and HTML")
  func summaryEscapes() throws {
    var results = DeployBotRuns.run(
      id: "s", threads: DeployBotRuns.threads(count: 10), errorRate: 0.4, seed: 8,
      thresholds: ["min_accuracy": 0.1, "min_case_pass_rate": 0.1, "min_parameter_accuracy": 0.1])
    results.run.variant = "<img src=x onerror=alert(1)>|*bold*"
    let text = MarkdownSummaryWriter().render(results)
    #expect(text.contains("— ✅ PASS"))
    #expect(text.contains("&lt;img src=x onerror=alert(1)&gt;\\|\\*bold\\*"))
    #expect(text.contains("**Failing cases**"))
    #expect(!text.contains("<img"))
  }

  @Test("the layout defaults to reports/<suite>/<run-id> and points latest at it")
  func layoutAndLatest() throws {
    let root = try Scripts.temporaryDirectory("layout")
    defer { try? FileManager.default.removeItem(atPath: root) }
    let first = ReportLayout(suite: "deploy-bot", runID: "run-1", out: nil, root: root)
    #expect(first.directory == root + "/deploy-bot/run-1")
    #expect(first.latest == root + "/deploy-bot/latest")
    let results = DeployBotRuns.run(
      id: "run-1", threads: DeployBotRuns.threads(count: 4), errorRate: 0.3, seed: 3)
    let paths = try ReportBundle.write(results, layout: first)
    #expect(
      paths.map { ($0 as NSString).lastPathComponent }
        == ["results.json", "report.html", "junit.xml", "summary.md"])
    #expect(
      try FileManager.default.destinationOfSymbolicLink(atPath: root + "/deploy-bot/latest")
        == "run-1")
    let second = ReportLayout(suite: "deploy-bot", runID: "run-2", out: nil, root: root)
    var next = results
    next.run.id = "run-2"
    try ReportBundle.write(next, baseline: Comparison.compare(results, next), layout: second)
    #expect(
      try FileManager.default.destinationOfSymbolicLink(atPath: root + "/deploy-bot/latest")
        == "run-2")
    #expect(FileManager.default.fileExists(atPath: root + "/deploy-bot/latest/comparison.html"))
    let leftovers = try FileManager.default.contentsOfDirectory(atPath: second.directory)
      .filter { $0.hasSuffix(".tmp") }
    #expect(leftovers.isEmpty)

    let explicit = ReportLayout(suite: "deploy-bot", runID: "x", out: root + "/custom")
    #expect(explicit.directory == root + "/custom" && explicit.latest == nil)
    let hostile = ReportLayout(suite: "../etc", runID: "a/../../b", out: nil, root: root)
    #expect(hostile.directory == root + "/_._etc/a_.._.._b")
  }

  @Test("thresholds map to their rates; min_accuracy gates intent accuracy")
  func thresholds() {
    let run = RunInfo(
      id: "r", suite: "s", variant: "v", modes: ["step"], modelSource: "recorded",
      startedAt: "2026-11-20T12:00:00Z", finishedAt: "2026-11-20T12:00:00Z",
      toolVersion: "0", thresholds: ["min_accuracy": 0.9, "min_case_pass_rate": 0.8])
    #expect(HeadlineRate.intentAccuracy.threshold(in: run) == 0.9)
    #expect(HeadlineRate.casePassRate.threshold(in: run) == 0.8)
    #expect(HeadlineRate.parameterAccuracy.threshold(in: run) == nil)
  }
}
