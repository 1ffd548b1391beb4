import Foundation
import RefoldCore
import RefoldShared
import Testing

@testable import RefoldReport

/// What the pages' builders hold while a run streams stays within the reports' caps and a
/// few words a thread, however large the run's cases and threads are.
@Suite struct StreamedPageMemoryTests {
  /// A passing thread of `index` with a 4 KiB context, a raw answer and 8 events.
  static func passingThread(_ index: Int) -> ThreadCases {
    let name = "t-\(index)"
    let events = (0..<8).map { seq in
      Event(
        thread: name, seq: seq, type: seq % 2 == 0 ? "slack_message" : "note",
        data: ["text": .string(String(repeating: "event \(seq) of \(name) ", count: 12))])
    }
    let intent = Intent(
      name: "deploy_backend", parameters: ["tag": .string("v\(index % 500)"), "env": "prod"])
    let result = CaseResult(
      id: "\(name)#0", thread: name, mode: "step", step: 0, seq: 8, expected: intent,
      actual: intent, verdict: .pass, usage: TokenUsage(inputTokens: 900, outputTokens: 20),
      context: String(repeating: "context of \(name) ", count: 256),
      rawResponse: ["content": .string(String(repeating: "answer ", count: 40))])
    return ThreadCases(thread: name, events: events, cases: [result])
  }

  @Test func twentyThousandPassingThreadsHoldOnlyTheTablesAndAFewWordsAThread() throws {
    let threads = 20_000
    let builder = try HTMLDataBuilder(writer: HTMLReportWriter(), variants: 1)
    var fed = 0
    for index in 0..<threads {
      let thread = Self.passingThread(index)
      fed += thread.cases.reduce(0) { $0 + ($1.context?.utf8.count ?? 0) }
      fed += thread.events.reduce(0) { $0 + $1.jsonLine.utf8.count }
      try builder.add(variant: 0, thread)
    }
    let held = builder.heldBytes
    // The tables' caps plus about 200 bytes a thread (its name, index and timeline's place),
    // against the hundreds of megabytes of contexts and events fed through.
    #expect(held < HTMLReportWriter.maxParameterBytes + threads * 200)
    #expect(held * 20 < fed)
    let rendered = builder.renderedTimelines
    var block: [UInt8] = []
    try builder.finish(variants: ["v"]) { block += $0 }
    #expect(block.count < 25_000_000)
    // Only the timelines the page can embed are rendered: the passing threads' until they
    // hold more than the budget (counted without their types' indexes, a byte an event
    // here), a few more than the page takes and a small share of the 20,000.
    let data = try #require(
      try JSONSerialization.jsonObject(with: Data(block)) as? [String: Any])
    let embedded = try #require(data["e"] as? [String: Any]).count
    #expect(embedded > 1_000)
    #expect(rendered >= embedded)
    #expect(rendered <= embedded + embedded / 100 + 1)
    #expect(rendered * 5 < threads)
  }

  @Test func theJUnitBuilderHoldsCountsAndPlaces() throws {
    let info = RunInfo(
      id: "r", suite: "s", variant: "v", modes: ["step"], modelSource: "recorded",
      startedAt: "2026-11-20T10:00:00Z", finishedAt: "2026-11-20T10:00:01Z", toolVersion: "t")
    let builder = JUnitReportBuilder(writer: JUnitReportWriter(), runs: [info])
    for index in 0..<2_000 { try builder.add(variant: 0, Self.passingThread(index)) }
    var document: [UInt8] = []
    let cases = (0..<2_000).flatMap { Self.passingThread($0).cases }
    let head = RunResults(
      run: info, summary: DeployBotRuns.summarize(cases, loopRuns: 0),
      byIntent: DeployBotRuns.breakdown(cases), cases: [])
    try builder.finish([head]) { document += $0 }
    let text = String(decoding: document, as: UTF8.self)
    // 2,000 cases and the gate's one check.
    #expect(
      text.hasPrefix(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"refold.s\" tests=\"2001\""))
    #expect(text.components(separatedBy: "<testsuite name=\"refold.s.v.t-").count == 2_001)
    #expect(text.contains("timestamp=\"2026-11-20T10:00:00\""))
  }
}
