import Foundation
import RefoldCore
import RefoldShared
import RefoldStore
import RefoldTestSupport
import Testing

@Suite struct CassetteAndRunStoreTests {
  func exchange(_ key: String, _ n: Int, usage: TokenUsage? = nil) -> Exchange {
    Exchange(
      key: key, n: n, provider: "openai",
      request: ["model": "gpt-x", "messages": [["role": "user", "content": .string("hi \(n)")]]],
      response: ["choices": [["message": ["content": "ok"]]], "score": 0.25],
      latencyMilliseconds: 812.5, usage: usage, recordedAt: "2026-11-20T10:00:00Z",
      thread: "deploy-001", meta: n == 0 ? ["http_status": 200] : nil)
  }

  @Test func cassetteRoundTripsInRecordedOrder() throws {
    let directory = try TemporaryDirectory()
    let database = try RefoldDatabase(path: directory.path("refold.sqlite"))
    let cassette = SQLiteCassetteStore(database: database)
    let recorded = [
      exchange("k1", 0, usage: TokenUsage(inputTokens: 120, outputTokens: 7)),
      exchange("k2", 0), exchange("k1", 1),
    ]
    for item in recorded { try cassette.append(item) }
    #expect(try cassette.exchanges(forKey: "k1") == [recorded[0], recorded[2]])
    #expect(try cassette.exchanges(forKey: "missing").isEmpty)
    // Another store on the same file sees the same recordings.
    #expect(
      try SQLiteCassetteStore(path: directory.path("refold.sqlite")).allExchanges()
        == recorded)
  }

  @Test func cassetteAssignsTheNextNWhateverTheExchangeSays() throws {
    let cassette = try SQLiteCassetteStore(path: ":memory:")
    #expect(try cassette.append(exchange("k", 0)).n == 0)
    #expect(try cassette.append(exchange("k", 0)).n == 1)
    #expect(try cassette.append(exchange("k", 3)).n == 2)
    #expect(try cassette.append(exchange("other", 5)).n == 0)
    let stored = try cassette.exchanges(forKey: "k")
    #expect(stored.map(\.n) == [0, 1, 2])
    #expect(stored[1].request == exchange("k", 0).request)
    #expect(stored[2].request == exchange("k", 3).request)
  }

  func results(id: String, suite: String, startedAt: String, passed: Int) -> RunResults {
    let rate = Rate(passed: passed, total: 2, rate: Double(passed) / 2, low: 0.1, high: 0.9)
    let summary = RunSummary(
      decisions: 2, intentAccuracy: rate, parameterAccuracy: rate, casePassRate: rate,
      retry: RetrySummary(
        afterError: 0, correctedRetry: 0, identicalRetry: 0, gaveUp: 0, escalated: 0,
        overRetries: 0, expectedBehaviour: rate),
      escalation: EscalationSummary(onTime: 0, early: 0, late: 0, never: 0, onTimeRate: rate))
    let info = RunInfo(
      id: id, suite: suite, variant: "baseline", modes: ["step"], modelSource: "recorded",
      startedAt: startedAt, finishedAt: startedAt, gitCommit: "abc123", toolVersion: "0.1.0")
    let cases = [
      CaseResult(
        id: "deploy-001#0", thread: "deploy-001", mode: "step", step: 0, seq: 1,
        expected: Intent(name: "list_git_tags"), actual: Intent(name: "list_git_tags"),
        verdict: .pass),
      CaseResult(
        id: "deploy-001#1", thread: "deploy-001", mode: "step", step: 1, seq: 3,
        expected: Intent(name: "deploy_backend", parameters: ["tag": "v1"]),
        actual: Intent(name: "done_for_now"), verdict: passed == 2 ? .pass : .wrongIntent),
    ]
    return RunResults(
      run: info, summary: summary,
      byIntent: IntentBreakdown(labels: ["list_git_tags"], matrix: [[1]], intents: [:]),
      cases: cases)
  }

  @Test func runStoreKeepsRunsAndVerdicts() throws {
    let directory = try TemporaryDirectory()
    let runs = try SQLiteRunStore(path: directory.path("refold.sqlite"))
    let later = results(
      id: "run-2", suite: "deploy-bot", startedAt: "2026-11-21T10:00:00Z",
      passed: 2)
    let earlier = results(
      id: "run-1", suite: "deploy-bot", startedAt: "2026-11-20T10:00:00Z",
      passed: 1)
    try runs.save(later)
    try runs.save(earlier)
    try runs.save(
      results(
        id: "run-3", suite: "other", startedAt: "2026-11-19T10:00:00Z",
        passed: 0))
    #expect(try runs.run(id: "run-1") == earlier)
    #expect(try runs.run(id: "missing") == nil)
    let records = try runs.runs(suite: "deploy-bot")
    #expect(records.map(\.info.id) == ["run-1", "run-2"])
    #expect(records[0] == RunRecord(info: earlier.run, summary: earlier.summary))
    #expect(try runs.allRuns().map(\.info.id) == ["run-3", "run-1", "run-2"])
    let verdicts = try runs.caseVerdicts(run: "run-1")
    #expect(verdicts.map(\.verdict) == [.pass, .wrongIntent])
    #expect(verdicts[1].expectedIntent == "deploy_backend")
    #expect(verdicts[1].actualIntent == "done_for_now")
    #expect(verdicts[1].step == 1)
    #expect(throws: StoreError.runExists("run-1")) { try runs.save(earlier) }
  }

  @Test func schemaIsVersionedAndReopenable() throws {
    let directory = try TemporaryDirectory()
    let path = directory.path("refold.sqlite")
    let first = try RefoldDatabase(path: path)
    let version = try first.schemaVersion()
    #expect(version >= 1)
    #expect(try RefoldDatabase(path: path).schemaVersion() == version)
    try first.withConnection { try $0.execute("PRAGMA user_version = 999") }
    #expect(throws: StoreError.newerSchema(path: path, version: 999, supported: version)) {
      try RefoldDatabase(path: path)
    }
  }

  @Test func sqliteErrorsCarryTheStatementAndCode() throws {
    let database = try RefoldDatabase(path: ":memory:")
    do {
      try database.withConnection { try $0.execute("SELECT * FROM no_such_table") }
      Issue.record("expected an error")
    } catch let error as StoreError {
      #expect(error.resultCode == 1)
      #expect(error.description.contains("no_such_table"))
    }
  }
}
