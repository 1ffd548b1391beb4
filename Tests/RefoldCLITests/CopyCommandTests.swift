import Foundation
import RefoldCLI
import RefoldCore
import RefoldPostgres
import RefoldShared
import RefoldStore
import RefoldTestSupport
import Testing

/// `refold copy` between SQLite and PostgreSQL, both ways: everything arrives once, an
/// interrupted copy resumes, copying again writes nothing, a diverged target stops it.
@Suite struct CopyCommandTests {
  enum Direction: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqliteToPostgres
    case postgresToSQLite

    var testDescription: String { rawValue }
  }

  static let serverStarted = PostgresTestServer.shared != nil
  static let skipped = Comment(rawValue: PostgresTestServer.skipMessage)

  func refold(_ arguments: [String]) async -> (code: Int32, stdout: String, stderr: String) {
    let stdout = CapturedOutput()
    let stderr = CapturedOutput()
    let code = await CLI.run(
      arguments: arguments, stdout: stdout, stderr: stderr, environment: [:])
    return (code, stdout.text, stderr.text)
  }

  static let threads = """
    {"thread":"a","seq":0,"id":"m0","type":"slack_message","data":{"text":"ship it\\tnow ✓"},"at":"2026-11-20T10:00:00Z"}
    {"thread":"a","seq":1,"type":"list_git_tags","data":{}}
    {"thread":"a","seq":2,"type":"list_git_tags_result","data":{"tags":["v1.4.2"]}}
    {"thread":"a","seq":3,"type":"done_for_now","data":{"message":"done"},"meta":{"exchange":"k1"}}
    {"thread":"b","seq":0,"type":"user_input","data":{"text":"hi"}}
    {"thread":"b","seq":1,"id":"b1","type":"done_for_now","data":{"message":"hello"}}

    """

  func exchange(_ key: String, _ n: Int) -> Exchange {
    Exchange(
      key: key, n: n, provider: "openai", request: ["messages": [["content": .string("q\(n)")]]],
      response: ["choices": [["message": ["content": .string("a\(n)")]]]],
      latencyMilliseconds: 12.5, usage: TokenUsage(inputTokens: 10, outputTokens: 2),
      recordedAt: "2026-11-20T10:00:0\(n)Z", thread: "a", meta: ["http_status": 200])
  }

  func run(_ id: String, startedAt: String) -> RunResults {
    let rate = Rate(passed: 1, total: 2, rate: 0.5, low: 0.1, high: 0.9)
    let summary = RunSummary(
      decisions: 2, intentAccuracy: rate, parameterAccuracy: rate, casePassRate: rate,
      retry: RetrySummary(
        afterError: 0, correctedRetry: 0, identicalRetry: 0, gaveUp: 0, escalated: 0,
        overRetries: 0, expectedBehaviour: rate),
      escalation: EscalationSummary(onTime: 0, early: 0, late: 0, never: 0, onTimeRate: rate))
    let info = RunInfo(
      id: id, suite: "deploybot", variant: "baseline", modes: ["step"], modelSource: "recorded",
      startedAt: startedAt, finishedAt: startedAt, toolVersion: "test")
    let cases = [
      CaseResult(
        id: "a#0", thread: "a", mode: "step", step: 0, seq: 1,
        expected: Intent(name: "list_git_tags"), actual: Intent(name: "list_git_tags"),
        verdict: .pass),
      CaseResult(
        id: "a#1", thread: "a", mode: "step", step: 1, seq: 3,
        expected: Intent(name: "done_for_now"), actual: Intent(name: "deploy_backend"),
        verdict: .wrongIntent),
    ]
    return RunResults(
      run: info, summary: summary,
      byIntent: IntentBreakdown(labels: ["list_git_tags"], matrix: [[1]], intents: [:]),
      cases: cases)
  }

  /// Everything a store holds, to compare two stores by.
  func contents(_ location: String) throws -> (
    events: [Event], exchanges: [Exchange], runs: [RunResults]
  ) {
    let stores = try StoreOptions.open(location, creating: false)
    var events: [Event] = []
    try stores.eventStore().forEachEvent { events.append($0) }
    let runStore = try stores.runStore()
    let runs = try stores.allRuns().compactMap { try runStore.run(id: $0.info.id) }
    return (events, try stores.cassetteStore().allExchanges(), runs)
  }

  @Test(.enabled(if: serverStarted, skipped), arguments: Direction.allCases)
  func copiesEverythingOnceResumesAndStopsAtADivergence(direction: Direction) async throws {
    let directory = try TemporaryDirectory()
    let sqlite = directory.path("store/refold.sqlite")
    let postgres = try PostgresTestServer.freshDatabaseURL()
    let (from, to) = direction == .sqliteToPostgres ? (sqlite, postgres) : (postgres, sqlite)

    let file = try directory.write("threads.jsonl", Self.threads)
    #expect(await refold(["import", file, "--db", from]).code == 0)
    let source = try StoreOptions.open(from, creating: false)
    for item in [exchange("k1", 0), exchange("k2", 0), exchange("k1", 1)] {
      try source.cassetteStore().append(item)
    }
    try source.runStore().save(run("run-1", startedAt: "2026-11-20T10:00:00Z"))
    try source.runStore().save(run("run-2", startedAt: "2026-11-21T10:00:00Z"))

    // What an interrupted copy leaves: part of a thread, one exchange, one run.
    let partial = try directory.write(
      "partial.jsonl", Self.threads.split(separator: "\n").prefix(2).joined(separator: "\n"))
    #expect(await refold(["import", partial, "--db", to]).code == 0)
    let target = try StoreOptions.open(to, creating: true)
    try target.cassetteStore().append(exchange("k1", 0))
    try target.runStore().save(run("run-1", startedAt: "2026-11-20T10:00:00Z"))

    let copied = await refold(["copy", "--from", from, "--to", to])
    #expect(copied.code == 0, "\(copied.stderr)")
    #expect(
      copied.stdout.contains(
        "2 threads, 4 events written (2 already there), 2 exchanges (1 already there), "
          + "1 runs (1 already there)"), "\(copied.stdout)")
    let expected = try contents(from)
    let actual = try contents(to)
    #expect(actual.events == expected.events)
    // The target recorded its first exchange before the copy: the same exchanges, per key
    // in the same order.
    let byKey = { (exchanges: [Exchange]) in exchanges.sorted { ($0.key, $0.n) < ($1.key, $1.n) } }
    #expect(byKey(actual.exchanges) == byKey(expected.exchanges))
    #expect(actual.runs == expected.runs)
    #expect(expected.events.count == 6 && expected.exchanges.count == 3 && expected.runs.count == 2)

    let again = await refold(["copy", "--from", from, "--to", to])
    #expect(again.code == 0, "\(again.stderr)")
    #expect(
      again.stdout.contains(
        "2 threads, 0 events written (6 already there), 0 exchanges (3 already there), "
          + "0 runs (2 already there)"), "\(again.stdout)")

    // A target with another event where the source has one stops the copy.
    let other = try directory.write(
      "other.jsonl", #"{"thread":"c","seq":0,"type":"user_input","data":{"text":"mine"}}"#)
    #expect(await refold(["import", other, "--db", to]).code == 0)
    let theirs = try directory.write(
      "theirs.jsonl", #"{"thread":"c","seq":0,"type":"user_input","data":{"text":"theirs"}}"#)
    #expect(await refold(["import", theirs, "--db", from]).code == 0)
    let diverged = await refold(["copy", "--from", from, "--to", to])
    #expect(diverged.code == 2)
    #expect(diverged.stderr.contains("thread \"c\""), "\(diverged.stderr)")
    #expect(diverged.stderr.split(separator: "\n").count == 1)
  }

  /// A run being written (its rows streamed, not finished) is neither listed nor copied; once
  /// finished, the next copy brings it.
  @Test(.enabled(if: serverStarted, skipped), arguments: Direction.allCases)
  func aRunBeingWrittenIsNeitherListedNorCopied(direction: Direction) async throws {
    let directory = try TemporaryDirectory()
    let sqlite = directory.path("store/refold.sqlite")
    let postgres = try PostgresTestServer.freshDatabaseURL()
    let (from, to) = direction == .sqliteToPostgres ? (sqlite, postgres) : (postgres, sqlite)
    let file = try directory.write("threads.jsonl", Self.threads)
    #expect(await refold(["import", file, "--db", from]).code == 0)
    let source = try StoreOptions.open(from, creating: false)
    try source.runStore().save(run("run-1", startedAt: "2026-11-20T10:00:00Z"))
    let pending = run("run-2", startedAt: "2026-11-21T10:00:00Z")
    let writer = try source.runStore().writer(for: pending.run)
    for thread in ThreadCases.split(pending) { try writer.add(thread) }

    let listed = await refold(["runs", "--db", from])
    #expect(listed.code == 0, "\(listed.stderr)")
    #expect(listed.stdout.contains("run-1") && !listed.stdout.contains("run-2"), "\(listed.stdout)")
    let copied = await refold(["copy", "--from", from, "--to", to])
    #expect(copied.code == 0, "\(copied.stderr)")
    #expect(copied.stdout.contains("1 runs (0 already there)"), "\(copied.stdout)")
    #expect(try contents(to).runs.map(\.run.id) == ["run-1"])

    try writer.finish(pending)
    let again = await refold(["copy", "--from", from, "--to", to])
    #expect(again.code == 0, "\(again.stderr)")
    #expect(again.stdout.contains("1 runs (1 already there)"), "\(again.stdout)")
    #expect(try contents(to).runs == [run("run-1", startedAt: "2026-11-20T10:00:00Z"), pending])
  }

  @Test func copyingFromAMissingFileIsAnInputError() async throws {
    let directory = try TemporaryDirectory()
    let outcome = await refold([
      "copy", "--from", directory.path("missing.sqlite"), "--to", directory.path("to.sqlite"),
    ])
    #expect(outcome.code == 2)
    #expect(outcome.stderr.contains("no event store at"))
    #expect(!FileManager.default.fileExists(atPath: directory.path("to.sqlite")))
  }
}
