import Foundation
import RefoldCore
import RefoldShared
import Testing

@testable import RefoldReport

@Suite("report.html: the trend reads each run's scope")
struct HTMLTrendScopeTests {
  /// The trend's points of a page, in order: their classes and `data-scope`.
  static func points(_ html: String) -> [(classes: String, scope: String?)] {
    html.components(separatedBy: "<circle class=\"").dropFirst().map { chunk in
      let classes = String(chunk.prefix { $0 != "\"" })
      let scope = chunk.prefix { $0 != ">" }.components(separatedBy: "data-scope=\"").dropFirst()
        .first.map { String($0.prefix { $0 != "\"" }) }
      return (classes, scope)
    }
  }

  @Test("a recorded scope decides; runs without one fall back to their size")
  func scopeOverridesTheHeuristic() throws {
    var current = DeployBotRuns.run(
      id: "now", threads: DeployBotRuns.threads(count: 20), errorRate: 0.3, seed: 2,
      startedAt: "2026-11-30T12:00:00Z")
    current.run.scope = .suite
    var history = DeployBotRuns.history(variants: ["baseline"], count: 6)
    // A whole-suite run that happened to be small, an ad-hoc run as big as the others, a
    // shard, and three runs recorded without a scope (one of them small).
    history[0].info.scope = .suite
    history[0].summary.decisions = 10
    history[1].info.scope = .adHoc
    history[2].info.scope = .shard
    history[3].summary.decisions = 10
    let html = String(
      decoding: try HTMLReportWriter(history: history).render(variants: [current]), as: UTF8.self)
    let points = Self.points(html)
    #expect(points.count == 7)
    #expect(points.map(\.scope) == ["suite", "ad_hoc", "shard", nil, nil, nil, "suite"])
    #expect(
      points.map { $0.classes.contains("partial") } == [
        false, true, true, true, false, false, false,
      ])
    #expect(points.last?.classes == "point current")
    #expect(html.contains("ad-hoc run (a shard, --thread or --mode)"))
    #expect(html.contains("ad-hoc run (a slice of the threads)"))
    #expect(html.contains("<dt>scope</dt><dd>the whole suite</dd>"))
  }

  @Test("the heuristic itself: a shard or under half the median run")
  func fallbackHeuristic() {
    var info = RunInfo(
      id: "r", suite: "s", variant: "v", modes: ["step"], modelSource: "recorded",
      startedAt: "2026-11-20T10:00:00Z", finishedAt: "2026-11-20T10:00:00Z", toolVersion: "t")
    #expect(info.isAdHoc(decisions: 40, medianDecisions: 100))
    #expect(!info.isAdHoc(decisions: 60, medianDecisions: 100))
    info.shard = "1/2"
    #expect(info.isAdHoc(decisions: 100, medianDecisions: 100))
    info.scope = .suite
    #expect(!info.isAdHoc(decisions: 1, medianDecisions: 100))
    info.scope = .adHoc
    #expect(info.isAdHoc(decisions: 100, medianDecisions: 100))
  }
}
