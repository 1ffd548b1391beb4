import Foundation
import RefoldCore
import RefoldEval
import RefoldShared
import RefoldTestSupport
import Testing

@testable import RefoldCLI
@testable import RefoldReport

/// The reports an evaluation writes thread by thread (``ReportFiles/begin(evaluationID:runs:)``
/// and the whole-run ``ReportBundle``, which goes through the same builders) against the
/// files the whole runs gave before the reports streamed, byte for byte: results.json,
/// report.html, junit.xml, summary.md, the comparison files and the manifest.
@Suite struct StreamedReportsTests {
  static let decisions = 2_000

  /// A golden thread of 3–9 prior events and its decision.
  static func thread(_ index: Int) -> [Event] {
    let name = "gen-\(index)"
    var events: [Event] = []
    for seq in 0..<(3 + index % 7) {
      events.append(
        Event(
          thread: name, seq: seq,
          type: ["slack_message", "list_git_tags", "list_git_tags_result", "note"][seq % 4],
          data: [
            "text": .string("message \(index)/\(seq) \"quoted\" </script> é"),
            "ratio": .double(Double(index) / 9), "n": .int(Int64(seq)),
          ],
          at: seq % 2 == 0 ? "2026-11-20T10:00:0\(seq % 10)Z" : nil,
          meta: seq == 1 ? ["exchange": .string("k\(index)")] : nil))
    }
    if index % 500 == 0 {
      // Event data past the page's 16 KiB embedding limit, clipped there.
      events.append(
        Event(
          thread: name, seq: events.count, type: "note",
          data: ["text": .string(String(repeating: "<long> & \"quoted\" ", count: 1_200))]))
    }
    return events
  }

  /// A step case of `thread` at `step`; `variant` changes which cases fail and how.
  static func stepCase(_ index: Int, step: Int, variant: Int, events: [Event]) -> CaseResult {
    let thread = "gen-\(index)"
    var expected = Intent(
      name: step % 2 == 0 ? "deploy_backend" : "list_git_tags",
      parameters: step % 2 == 0 ? ["tag": .string("v1.\(index % 13)"), "env": "prod"] : [:])
    if index % 113 == 0 {
      // Parameters past the parameter table's 512 bytes, clipped there; some of them only
      // by their canonical text's measure.
      expected.parameters = [
        "notes": .string(String(repeating: index % 2 == 0 ? "<&>" : "a", count: 200))
      ]
    }
    let kind = (index * 3 + step + variant * 5) % (variant == 0 ? 9 : 6)
    var result = CaseResult(
      id: "\(thread)#\(step)", thread: thread, mode: "step", step: step,
      seq: events.count - 1 + step, expected: expected, actual: expected, verdict: .pass,
      exchangeKey: String(index * 7 + step, radix: 16),
      usage: TokenUsage(inputTokens: 400 + index, outputTokens: 12),
      latencyMilliseconds: Double(index % 50) / 4,
      context:
        "<slack_message>\(String(repeating: "context of \(thread) ", count: 1 + index % 20))</slack_message>",
      rawResponse: ["content": .string("answer \(index)"), "n": .int(Int64(step))])
    switch kind {
    case 0:
      result.verdict = .wrongIntent
      result.actual = Intent(name: "request_human_input", parameters: ["question": "which?"])
    case 1 where step % 2 == 0:
      result.verdict = .wrongParameters
      result.actual = Intent(name: "deploy_backend", parameters: ["tag": "v0", "env": "prod"])
      result.parameterDiff = [
        ParameterDifference(
          path: "tag", expected: .string("v1.\(index % 13)"), actual: "v0", matcher: "exact",
          reason: "differs")
      ]
    case 2 where variant == 1:
      result.verdict = .sourceError
      result.actual = nil
      result.failure = "cassette miss for \(thread)"
    case 3 where variant == 1:
      // Passing, but with other parameters than the first variant's.
      result.actual = Intent(
        name: expected.name, parameters: ["tag": .string("v1.\(index % 13)"), "env": "PROD"])
    default:
      break
    }
    if index % 97 == 0 { result.id += "-renamed" }
    if index % 41 == 0 { result.accepted = ["list_git_tags"] }
    return result
  }

  /// A loop case of `thread` with its model calls.
  static func loopCase(_ index: Int, variant: Int, events: [Event]) -> CaseResult {
    let passed = (index + variant) % 3 != 0
    let calls = (0..<3).map { step in
      LoopModelCall(
        step: step, seq: step * 2, intent: Intent(name: "list_git_tags"),
        failure: step == 2 && !passed ? "tool failed" : nil,
        retryBehaviour: step == 1 ? "corrected_retry" : nil, overRetry: step == 2 ? true : nil,
        context: "loop context \(index)/\(step)", rawResponse: ["content": .string("call \(step)")],
        omitted: step == 1 && index % 2 == 0 ? true : nil)
    }
    return CaseResult(
      id: "gen-\(index)@loop", thread: "gen-\(index)", mode: "loop",
      verdict: passed ? .pass : .behaviourFailed,
      behaviour: LoopBehaviour(
        steps: 3, finalStatus: passed ? .done : .escalated, terminalIntent: "done_for_now",
        retries: 1, escalated: !passed, escalationTiming: passed ? nil : "late",
        divergence: passed
          ? nil
          : Divergence(
            step: 2, expected: Intent(name: "done_for_now"),
            actual: Intent(name: "list_git_tags", parameters: ["x": 1]), parameterDiff: []),
        checks: [BehaviourCheck(name: "escalates", passed: passed, detail: "on time?")],
        events: events, modelCalls: calls))
  }

  /// Two variants of a generated run of 2,000 step decisions (and a loop run on every
  /// 50th thread): cases that fail in one variant only, passing cases decided differently,
  /// a source error, ids that are not `thread#step`.
  static func runs() -> [RunResults] {
    (0..<2).map { variant in
      var cases: [CaseResult] = []
      var threads: [String: [Event]] = [:]
      var index = 0
      while cases.count < decisions {
        let events = thread(index)
        threads["gen-\(index)"] = events
        for step in 0..<(1 + index % 3) where cases.count < decisions {
          cases.append(stepCase(index, step: step, variant: variant, events: events))
        }
        if index % 50 == 0 { cases.append(loopCase(index, variant: variant, events: events)) }
        index += 1
      }
      var scorer = Scorer()
      scorer.add(contentsOf: cases)
      let name = variant == 0 ? "baseline" : "candidate"
      let info = RunInfo(
        id: "e-gen-\(name)", suite: "generated", variant: name, modes: ["step", "loop"],
        modelSource: "recorded", startedAt: "2026-11-20T10:00:0\(variant)Z",
        finishedAt: "2026-11-20T10:00:09Z", toolVersion: "t",
        thresholds: ["min_case_pass_rate": 0.8])
      return RunResults(
        run: info, summary: scorer.summary, byIntent: scorer.breakdown, cases: cases,
        threads: threads,
        gate: RunGate(checks: [
          GateCheck(
            name: "min_case_pass_rate", threshold: 0.8, actual: scorer.summary.casePassRate.rate,
            passed: variant == 0, source: "suite.yaml", detail: "case pass rate & <more>")
        ]))
    }
  }

  /// Every file in `directory` (but `latest`), by its path relative to it.
  static func files(in directory: String) throws -> [String: Data] {
    var files: [String: Data] = [:]
    let enumerator = FileManager.default.enumerator(atPath: directory)
    while let path = enumerator?.nextObject() as? String {
      var isDirectory: ObjCBool = false
      let full = (directory as NSString).appendingPathComponent(path)
      guard FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory),
        !isDirectory.boolValue
      else { continue }
      files[path] = try Data(contentsOf: URL(fileURLWithPath: full))
    }
    return files
  }

  /// The files the whole runs gave before the reports streamed.
  static func reference(
    _ runs: [RunResults], evaluationID: String, page: HTMLReportWriter, junitCases: Bool,
    comparisons: [Comparison]
  ) throws -> [String: Data] {
    var files: [String: Data] = [:]
    for results in runs {
      files[ReportLayout.resultsFile(variant: results.run.variant, variants: runs.count)] =
        try ResultsWriter.encode(results)
    }
    if runs.count > 1 {
      files[ResultsWriter.fileName] = try EvaluationManifest(
        runs: runs, evaluationID: evaluationID, comparisons: comparisons,
        resultsPath: { ReportLayout.resultsFile(variant: $0, variants: runs.count) }
      ).encoded()
    }
    var html = page
    html.evaluationID = runs.count > 1 ? evaluationID : nil
    html.comparisonLink = comparisons.isEmpty ? nil : ComparisonWriter.htmlFileName
    files[HTMLReportWriter.fileName] = html.referenceRender(variants: runs)
    files[JUnitReportWriter.fileName] = Data(
      JUnitReportWriter(failingCases: junitCases).referenceRender(variants: runs).utf8)
    files[MarkdownSummaryWriter.fileName] = Data(
      MarkdownSummaryWriter().referenceRender(runs: runs, comparisons: comparisons).utf8)
    if !comparisons.isEmpty {
      files[ComparisonWriter.jsonFileName] = try Comparison.jsonData(comparisons)
      files[ComparisonWriter.htmlFileName] = Data(
        ComparisonWriter().renderHTML(comparisons).utf8)
    }
    return files
  }

  /// The runs' heads, as an evaluation finishes them: no cases, no threads.
  static func heads(_ runs: [RunResults]) -> [RunResults] {
    runs.map { results in
      var head = results
      head.cases = []
      head.threads = nil
      return head
    }
  }

  static func expectSame(_ written: [String: Data], _ expected: [String: Data]) {
    #expect(Set(written.keys) == Set(expected.keys))
    for (name, bytes) in expected.sorted(by: { $0.key < $1.key }) {
      let actual = written[name]
      #expect(actual?.count == bytes.count, "\(name)")
      #expect(actual == bytes, "\(name) differs")
    }
  }

  @Test(arguments: [false, true])
  func theGeneratedRunStreamedThroughReportFilesIsWhatTheWholeRunsGave(compared: Bool) throws {
    let runs = Self.runs()
    let directory = try TemporaryDirectory()
    let files = ReportFiles(out: directory.path("out"), junitCases: compared)
    let report = try files.begin(evaluationID: "e-gen", runs: runs.map(\.run))
    for (index, results) in runs.enumerated() {
      for thread in ThreadCases.split(results) { try report.add(variant: index, thread) }
    }
    let pairs = compared ? [ComparisonPair(baseline: 0, candidate: 1)] : []
    let written = try report.finish(
      Self.heads(runs), outlines: runs.map(\.outline), history: [], baseline: nil, pairs: pairs)
    #expect(written == directory.path("out"))
    let comparisons = compared ? [Comparison.compare(runs[0], runs[1])] : []
    Self.expectSame(
      try Self.files(in: written),
      try Self.reference(
        runs, evaluationID: "e-gen", page: HTMLReportWriter(), junitCases: compared,
        comparisons: comparisons))
  }

  /// With small budgets: details and timelines left out, chosen as the whole runs chose them.
  @Test(arguments: [
    (0, 0, 0), (40_000, 2_000, 6_000_000), (400_000, 20_000, 6_000_000),
    (400_000, 400_000, 60_000), (400_000, 400_000, 600_000),
  ])
  func theDetailAndTimelineBudgetsChooseAsTheWholeRunsChose(
    detail: Int, events: Int, timelineBytes: Int
  ) throws {
    let runs = Self.runs()
    let page = HTMLReportWriter(
      maxTimelineEvents: events, maxDetailBytes: detail, maxTimelineBytes: timelineBytes)
    for variants in [Array(runs.prefix(1)), runs] {
      let directory = try TemporaryDirectory()
      let layout = ReportLayout(suite: "generated", runID: "e-gen", out: directory.path("out"))
      let writer = try ReportBundleWriter(
        evaluationID: "e-gen", runs: variants.map(\.run), layout: layout, page: page)
      for (index, results) in variants.enumerated() {
        for thread in ThreadCases.split(results) { try writer.add(variant: index, thread) }
      }
      try writer.finish(Self.heads(variants))
      Self.expectSame(
        try Self.files(in: layout.directory),
        try Self.reference(
          variants, evaluationID: "e-gen", page: page, junitCases: false, comparisons: []))
    }
  }

  @Test func theWholeRunBundleIsWhatTheWholeRunsGave() throws {
    let runs = Self.runs()
    let directory = try TemporaryDirectory()
    let layout = ReportLayout(suite: "generated", runID: "e-gen", out: directory.path("out"))
    let comparisons = [Comparison.compare(runs[0], runs[1])]
    try ReportBundle.write(
      evaluation: runs, evaluationID: "e-gen", comparisons: comparisons, layout: layout)
    Self.expectSame(
      try Self.files(in: layout.directory),
      try Self.reference(
        runs, evaluationID: "e-gen", page: HTMLReportWriter(), junitCases: false,
        comparisons: comparisons))
  }

  @Test func theDemoSuiteStreamedIsWhatTheWholeRunsGave() async throws {
    let directory = try TemporaryDirectory()
    let code = await CLI.run(
      arguments: [
        "eval", "\(Repository.root)/evals/deploybot", "--db", directory.path("d.sqlite"),
        "--out", directory.path("d"),
      ],
      stdout: CapturedOutput(), stderr: CapturedOutput(), environment: [:])
    #expect(code == 0 || code == 1)
    var runs: [RunResults] = []
    for variant in ["baseline", "concise-json"] {
      let bytes = try Data(
        contentsOf: URL(fileURLWithPath: directory.path("d/\(variant)/results.json")))
      runs.append(try JSONDecoder().decode(RunResults.self, from: bytes))
    }
    #expect(runs.allSatisfy { !$0.cases.isEmpty && $0.threads?.isEmpty == false })
    #expect(runs.contains { $0.cases.contains { $0.mode == "loop" } })
    let files = ReportFiles(out: directory.path("streamed"))
    let report = try files.begin(evaluationID: "e-demo", runs: runs.map(\.run))
    for (index, results) in runs.enumerated() {
      for thread in ThreadCases.split(results) { try report.add(variant: index, thread) }
    }
    let written = try report.finish(
      Self.heads(runs), outlines: runs.map(\.outline), history: [], baseline: nil,
      pairs: [ComparisonPair(baseline: 0, candidate: 1)])
    Self.expectSame(
      try Self.files(in: written),
      try Self.reference(
        runs, evaluationID: "e-demo", page: HTMLReportWriter(), junitCases: false,
        comparisons: [Comparison.compare(runs[0], runs[1])]))
  }

  @Test func anAbandonedReportLeavesNothingBehind() throws {
    let runs = Self.runs()
    let directory = try TemporaryDirectory()
    let out = directory.path("reports/generated/e-gen")
    let report = try ReportFiles(out: out).begin(
      evaluationID: "e-gen", runs: runs.map(\.run))
    for (index, results) in runs.enumerated() {
      for thread in ThreadCases.split(results).prefix(300) {
        try report.add(variant: index, thread)
      }
    }
    report.abandon()
    #expect(!FileManager.default.fileExists(atPath: out))
    #expect(!FileManager.default.fileExists(atPath: directory.path("reports")))
  }

  @Test func anAbandonedReportLeavesAnExistingDirectoryAsItWas() throws {
    let runs = Self.runs()
    let directory = try TemporaryDirectory()
    let out = directory.path("out")
    try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
    try Data("keep".utf8).write(to: URL(fileURLWithPath: out + "/note.txt"))
    let report = try ReportFiles(out: out).begin(evaluationID: "e-gen", runs: [runs[0].run])
    for thread in ThreadCases.split(runs[0]) { try report.add(variant: 0, thread) }
    report.abandon()
    #expect(try FileManager.default.contentsOfDirectory(atPath: out) == ["note.txt"])
  }
}
