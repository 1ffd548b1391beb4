import Foundation
import RefoldCore
import RefoldEval
import Testing

@testable import RefoldShared

@Suite struct CaseJSONTests {
  static let tricky: JSONValue = [
    "tag": "v1.4.2", "path": "a/b", "quote": "\"q\" \\ \u{0}\u{1}\u{8}\t\n\u{c}\r\u{1f}\u{7f}",
    "lines": "\u{2028}\u{2029} é 😀 e\u{301}", "e\u{301}x": 1, "éa": 2, "Z": 3, "z": 4,
    "numbers": [
      0.1, 1e-7, 1e15, 1e16, 9.999999999999998e15, -0.0, 120.0, 812.5, 0.30000000000000004,
      1.7976931348623157e308, 5e-324, .int(Int64.min), .int(Int64.max), 0,
    ],
    "nested": ["empty": [:], "list": [], "null": .null, "yes": true, "no": false],
  ]

  static let cases: [CaseResult] = [
    CaseResult(
      id: "deploy-001#0", thread: "deploy-001", mode: "step", step: 0, seq: 1,
      expected: Intent(name: "list_git_tags"), actual: Intent(name: "list_git_tags"),
      verdict: .pass, exchangeKey: String(repeating: "ab", count: 32),
      usage: TokenUsage(inputTokens: 1000, outputTokens: 30), latencyMilliseconds: 312),
    CaseResult(id: "t#1", thread: "t", mode: "step", verdict: .invalidOutput),
    CaseResult(
      id: "t \"odd\"#2", thread: "t/é", mode: "step", step: 2, seq: 7,
      expected: Intent(name: "deploy_backend", parameters: tricky),
      accepted: ["request_clarification", "done_for_now"],
      actual: Intent(name: "deploy_backend", parameters: ["tag": "v0.0.1", "ratio": 0.25]),
      failure: "invalid JSON (column 3: x)\nsecond line", verdict: .wrongParameters,
      parameterDiff: [
        ParameterDifference(
          path: "tag", expected: "v1.4.2", actual: "v0.0.1", matcher: "exact", reason: "differs"),
        ParameterDifference(
          path: "services[1]", expected: nil, actual: .null, matcher: "regex", reason: "missing"),
      ],
      retryBehaviour: "corrected_retry", expectedRetryBehaviour: "identical_retry",
      exchangeKey: "k", usage: TokenUsage(inputTokens: 0, outputTokens: -1),
      latencyMilliseconds: 1e-7, context: "<slack_message>\n  text: \"ship\" it\n</slack_message>",
      rawResponse: tricky, overRetry: true),
    CaseResult(
      id: "t#3", thread: "t", mode: "step", verdict: .sourceError, latencyMilliseconds: 1e21,
      rawResponse: .null),
    {
      var judged = CaseResult(id: "t#4", thread: "t", mode: "step", verdict: .wrongParameters)
      judged.judged = [
        JudgedParameter(
          path: "message", matcher: "judge", passed: false, reason: "never names \"staging\""),
        JudgedParameter(
          path: "note", matcher: "similar", passed: true, score: 0.9123, minimum: 0.85),
      ]
      return judged
    }(),
  ]

  @Test(arguments: cases)
  func stepCasesAreWrittenAsJSONEncoderWritesThem(_ result: CaseResult) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    let expected = String(decoding: try encoder.encode(result), as: UTF8.self)
    let written = try #require(ResultsWriter.encodedCase(result))
    #expect(String(decoding: written, as: UTF8.self) == expected)
  }

  @Test func loopCasesAndNumbersJSONCannotHoldAreLeftToJSONEncoder() {
    var loop = Self.cases[0]
    loop.behaviour = LoopBehaviour(
      steps: 3, finalStatus: .done, terminalIntent: "done_for_now", retries: 0, escalated: false,
      escalationTiming: nil, divergence: nil, checks: [], events: [])
    #expect(ResultsWriter.encodedCase(loop) == nil)
    var infinite = Self.cases[0]
    infinite.latencyMilliseconds = .infinity
    #expect(ResultsWriter.encodedCase(infinite) == nil)
  }

  @Test func everyFieldOfACaseIsWritten() {
    // A new CaseResult field must be added to ResultsWriter.encodedCase and to the cases
    // above; this count is the reminder.
    #expect(Mirror(reflecting: Self.cases[0]).children.count == 21)
  }

  /// Runs with and without cases, loop cases and golden threads.
  static func runs() -> [RunResults] {
    let info = RunInfo(
      id: "r1", suite: "s", variant: "baseline", modes: ["step"], modelSource: "recorded",
      startedAt: "2026-11-20T10:00:00Z", finishedAt: "2026-11-20T10:00:01Z", toolVersion: "t",
      thresholds: ["case_pass_rate": 0.9])
    var loop = cases[0]
    loop.behaviour = LoopBehaviour(
      steps: 3, finalStatus: .done, terminalIntent: "done_for_now", retries: 0, escalated: false,
      escalationTiming: nil, divergence: nil, checks: [], events: [])
    var scorer = Scorer()
    scorer.add(contentsOf: cases)
    let summary = scorer.summary
    let byIntent = scorer.breakdown
    let threads: [String: [Event]] = [
      "t": [Event(thread: "t", seq: 0, type: "slack_message", data: tricky, at: "2026-11-20")]
    ]
    return [
      RunResults(run: info, summary: summary, byIntent: byIntent, cases: []),
      RunResults(run: info, summary: summary, byIntent: byIntent, cases: cases),
      RunResults(
        run: info, summary: summary, byIntent: byIntent, cases: [loop] + cases, threads: threads),
    ]
  }

  @Test func resultsFilesAreWhatJSONEncoderPrettyPrints() throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    for results in Self.runs() {
      let expected = String(decoding: try encoder.encode(results), as: UTF8.self) + "\n"
      let written = String(decoding: try ResultsWriter.encode(results), as: UTF8.self)
      #expect(written == expected)
    }
  }

  @Test func aStreamedFileIsTheFileWrittenWhole() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "results-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: directory) }
    for (offset, results) in Self.runs().enumerated() {
      let path = directory.appendingPathComponent("\(offset)/results.json").path
      let writer = try ResultsWriter(path: path, run: results.run)
      for result in results.cases { try writer.append(result) }
      try writer.finish(
        summary: results.summary, byIntent: results.byIntent, threads: results.threads)
      #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == ResultsWriter.encode(results))
      let left = try FileManager.default.contentsOfDirectory(
        atPath: (path as NSString).deletingLastPathComponent)
      #expect(left == ["results.json"])
    }
  }
}
