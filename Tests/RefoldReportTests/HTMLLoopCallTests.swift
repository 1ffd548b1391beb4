import Foundation
import RefoldCore
import RefoldShared
import Testing

@testable import RefoldReport

@Suite("report.html: a loop run's model calls")
struct HTMLLoopCallTests {
  /// The loop rows of a rendered page by thread name, with their extra members.
  static func loopRows(_ runs: [RunResults]) throws -> [String: [String: Any]] {
    let html = String(decoding: try HTMLReportWriter().render(variants: runs), as: UTF8.self)
    let block = try HTMLReportTests.dataBlock(html)
    let names = try #require(block["h"] as? [String])
    let rows = try #require(block["c"] as? [[Any]])
    var loops: [String: [String: Any]] = [:]
    for row in rows where (row[2] as? Int) == 1 {
      guard let thread = row[1] as? Int, row.count > 8, let extra = row[8] as? [String: Any]
      else { continue }
      loops[names[thread]] = extra
    }
    return loops
  }

  @Test("a failing loop run carries each call's own context, answer and marks")
  func failingLoopRunsCarryEveryCall() throws {
    let threads = DeployBotRuns.threads(count: 40)
    let run = DeployBotRuns.run(
      id: "loops", threads: threads, errorRate: 0.4, seed: 21, loopRuns: 40)
    let failing = try #require(
      run.cases.first { result in
        result.mode == "loop" && !result.passed && (result.behaviour?.modelCalls?.count ?? 0) > 1
      })
    let calls = try #require(failing.behaviour?.modelCalls)
    let rows = try Self.loopRows([run])
    let rendered = try #require(rows[failing.thread]?["b"] as? [String: Any])
    let entries = try #require(rendered["mc"] as? [[String: Any]])
    #expect(entries.map { $0["s"] as? Int } == calls.map(\.step))
    #expect(entries.map { $0["q"] as? Int } == calls.map(\.seq))
    #expect(entries.map { $0["n"] as? String } == calls.map(\.intent?.name))
    #expect(entries.map { $0["x"] as? String } == calls.map(\.context))
    #expect(Set(entries.compactMap { $0["x"] as? String }).count == calls.count)
    #expect(
      entries.map { ($0["r"] as? [String: Any])?["call"] as? Int } == calls.indices.map { $0 })
    #expect(entries.map { $0["rb"] as? String } == calls.map(\.retryBehaviour))
    #expect(entries.map { $0["es"] as? Bool } == calls.map(\.escalation))
    // The script draws them.
    #expect(HTMLReportWriter.script.contains("function modelCalls(calls)"))
  }

  @Test("a passing loop run lists its calls without contexts; a run past the budget says so")
  func passingRunsAndTheBudget() throws {
    let threads = DeployBotRuns.threads(count: 40)
    var run = DeployBotRuns.run(
      id: "loops", threads: threads, errorRate: 0.4, seed: 21, loopRuns: 40)
    let passing = try #require(
      run.cases.first { $0.mode == "loop" && $0.passed && $0.behaviour?.modelCalls != nil })
    let rows = try Self.loopRows([run])
    let entries = try #require(
      (rows[passing.thread]?["b"] as? [String: Any])?["mc"] as? [[String: Any]])
    #expect(entries.count == passing.behaviour?.modelCalls?.count)
    #expect(entries.allSatisfy { $0["x"] == nil && $0["r"] == nil && $0["n"] != nil })
    // With no budget left, failing runs' calls are flagged, not embedded.
    for index in run.cases.indices where run.cases[index].mode == "step" {
      run.cases[index].context = nil
      run.cases[index].rawResponse = nil
    }
    let html = String(
      decoding: try HTMLReportWriter(maxDetailBytes: 0).render(variants: [run]), as: UTF8.self)
    let block = try HTMLReportTests.dataBlock(html)
    let loops = try #require(block["c"] as? [[Any]]).filter {
      ($0[2] as? Int) == 1 && ($0[7] as? Int) != 0
    }
    let flagged = loops.compactMap { row in
      ((row[8] as? [String: Any])?["b"] as? [String: Any])?["mc"] as? [[String: Any]]
    }.flatMap { $0 }
    #expect(!flagged.isEmpty)
    #expect(flagged.allSatisfy { $0["x"] == nil && $0["o"] as? Bool == true })
  }
}
