import Foundation
import RefoldCore
import RefoldEval
import Testing

@testable import RefoldShared

/// `results.json` of a generated run of 2,000 decisions, each with its own golden thread,
/// written by ``ResultsWriter`` (whole and streamed), against the whole-run `JSONEncoder`
/// encode it replaces, byte for byte.
@Suite struct GeneratedResultsTests {
  static let decisions = 2_000

  /// A golden thread of 4–12 prior events and the decision, with the kinds of values real
  /// threads hold: escaped text, non-ASCII, fractional numbers, nested objects, optional
  /// members present and absent.
  static func thread(_ index: Int) -> [Event] {
    let name = "case-\(index)"
    var events: [Event] = []
    for seq in 0..<(4 + index % 9) {
      let data: JSONValue = [
        "text": .string("request \(index)/\(seq): \"ship\" v1.\(seq)\n\tto staging é 😀 \u{1}"),
        "ratio": .double(Double(index) / 7 + Double(seq) / 1000),
        "count": .int(Int64(index * seq)),
        "nested": ["list": [.int(1), .double(0.1), .null, .bool(seq % 2 == 0)], "empty": [:]],
        "Zeta": .string("a/b"), "zeta": .array([]),
      ]
      events.append(
        Event(
          thread: name, seq: seq, type: seq % 3 == 0 ? "slack_message" : "tool_result",
          data: data, at: seq % 2 == 0 ? "2026-11-20T10:00:0\(seq % 10)Z" : nil,
          id: seq % 4 == 1 ? "\(name)-\(seq)" : nil,
          meta: seq % 5 == 2 ? ["exchange": .string("k\(seq)"), "score": .double(1e-7)] : nil))
    }
    events.append(
      Event(
        thread: name, seq: events.count, type: "deploy_backend",
        data: ["tag": .string("v1.\(index % 17)"), "env": "staging"]))
    return events
  }

  static func result(_ index: Int, thread: [Event]) -> CaseResult {
    let expected = Intent(name: "deploy_backend", parameters: thread.last?.data ?? [:])
    let right = index % 7 != 0
    return CaseResult(
      id: "case-\(index)#0", thread: "case-\(index)", mode: "step", step: 0,
      seq: thread.count - 1, expected: expected,
      actual: right ? expected : Intent(name: "list_git_tags"),
      verdict: right ? .pass : .wrongIntent, exchangeKey: String(index, radix: 16),
      usage: TokenUsage(inputTokens: 500 + index, outputTokens: 20),
      latencyMilliseconds: Double(index) / 3,
      context: thread.map(\.jsonLine).joined(separator: "\n"))
  }

  static func run() -> RunResults {
    var threads: [String: [Event]] = [:]
    var cases: [CaseResult] = []
    for index in 0..<decisions {
      let events = thread(index)
      threads["case-\(index)"] = events
      cases.append(result(index, thread: events))
    }
    var scorer = Scorer()
    scorer.add(contentsOf: cases)
    let info = RunInfo(
      id: "r-generated", suite: "generated", variant: "baseline", modes: ["step"],
      modelSource: "recorded", startedAt: "2026-11-20T10:00:00Z",
      finishedAt: "2026-11-20T10:00:09Z", toolVersion: "t",
      thresholds: ["min_case_pass_rate": 0.8])
    return RunResults(
      run: info, summary: scorer.summary, byIntent: scorer.breakdown, cases: cases,
      threads: threads,
      gate: RunGate(checks: [
        GateCheck(
          name: "min_case_pass_rate", threshold: 0.8, actual: 0.857, passed: true,
          source: "suite.yaml", detail: "case pass rate 85.7% ≥ 80%")
      ]))
  }

  /// The whole-run encode `ResultsWriter` replaces.
  static func wholeRunEncode(_ results: RunResults) throws -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return try encoder.encode(results) + Data("\n".utf8)
  }

  @Test func aGeneratedRunIsWrittenAsTheWholeRunEncodeWritesIt() throws {
    let results = Self.run()
    let expected = try Self.wholeRunEncode(results)
    let written = try ResultsWriter.encode(results)
    #expect(written.count == expected.count)
    #expect(written == expected)
  }

  @Test func aGeneratedRunStreamedCaseByCaseIsTheWholeRunEncode() throws {
    let results = Self.run()
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "generated-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: directory) }
    let path = directory.appendingPathComponent("results.json").path
    let writer = try ResultsWriter(path: path, run: results.run)
    for result in results.cases { try writer.append(result) }
    try writer.finish(
      summary: results.summary, byIntent: results.byIntent, threads: results.threads,
      gate: results.gate)
    #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Self.wholeRunEncode(results))
  }

  /// Threads spooled in an order their ids do not sort in, one of them twice, are written
  /// in id order with the last events each was given: the pieces copied from the spool
  /// join as the whole-run encode has them.
  @Test(arguments: ["sorted", "reversed", "shuffled"])
  func spooledThreadsInAnyOrderAreTheWholeRunEncode(order: String) throws {
    var results = Self.run()
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "spooled-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: directory) }
    let path = directory.appendingPathComponent("results.json").path
    let writer = try ResultsWriter(path: path, run: results.run)
    for result in results.cases { try writer.append(result) }
    let sorted = (results.threads ?? [:]).keys.sorted {
      $0.utf8.lexicographicallyPrecedes($1.utf8)
    }
    var ids = sorted
    if order == "reversed" { ids.reverse() }
    if order == "shuffled" {
      // Every third id moved to the end: runs in order with gaps between them.
      ids =
        ids.enumerated().filter { $0.offset % 3 != 1 }.map(\.element)
        + ids.enumerated().filter { $0.offset % 3 == 1 }.map(\.element)
    }
    let first = try #require(sorted.first)
    try writer.append(thread: first, events: Self.thread(7))
    for id in ids { try writer.append(thread: id, events: results.threads?[id] ?? []) }
    try writer.finish(
      summary: results.summary, byIntent: results.byIntent, gate: results.gate)
    let written = try Data(contentsOf: URL(fileURLWithPath: path))
    #expect(written == (try Self.wholeRunEncode(results)))
    // One spooled thread whose last events differ from the run's.
    results.threads?[first] = Self.thread(7)
    let again = try ResultsWriter(path: path, run: results.run)
    for result in results.cases { try again.append(result) }
    for id in ids { try again.append(thread: id, events: results.threads?[id] ?? []) }
    try again.append(thread: first, events: Self.thread(7))
    try again.finish(summary: results.summary, byIntent: results.byIntent, gate: results.gate)
    #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == (try Self.wholeRunEncode(results)))
  }

  @Test func threadsWithNoEventsOrNoneAtAllAreWrittenAsJSONEncoderWritesThem() throws {
    var results = Self.run()
    results.cases = Array(results.cases.prefix(3))
    for threads in [[:], ["empty": [], "b": Self.thread(1)]] as [[String: [Event]]] {
      results.threads = threads
      #expect(try ResultsWriter.encode(results) == Self.wholeRunEncode(results))
    }
  }
}
