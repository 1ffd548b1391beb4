import Foundation
import RefoldCore
import RefoldPostgres
import RefoldShared
import RefoldStore
import RefoldTestSupport
import Synchronization
import Testing

/// The engines the cassette and run stores run on, made fresh for one test.
enum StoreEngine: String, CaseIterable, CustomTestStringConvertible, Sendable {
  case sqlite
  case postgres

  var testDescription: String { rawValue }

  /// The engines this machine can run: PostgreSQL only when a server could be started.
  static var available: [StoreEngine] {
    allCases.filter { $0 != .postgres || PostgresTestServer.shared != nil }
  }

  /// A new empty store's location: opening it again reaches the same tables.
  struct Location: Sendable {
    var engine: StoreEngine
    var address: String
    var directory: TemporaryDirectory?

    func cassette() throws -> any CassetteStore {
      switch engine {
      case .sqlite: return try SQLiteCassetteStore(path: address)
      case .postgres: return try PostgresCassetteStore(url: address)
      }
    }

    func runs() throws -> any RunStore {
      switch engine {
      case .sqlite: return try SQLiteRunStore(path: address)
      case .postgres: return try PostgresRunStore(url: address)
      }
    }

    func allRuns() throws -> [RunRecord] {
      switch engine {
      case .sqlite: return try SQLiteRunStore(path: address).allRuns()
      case .postgres: return try PostgresRunStore(url: address).allRuns()
      }
    }
  }

  func make() throws -> Location {
    switch self {
    case .sqlite:
      let directory = try TemporaryDirectory()
      return Location(engine: self, address: directory.path("refold.sqlite"), directory: directory)
    case .postgres:
      return Location(engine: self, address: try PostgresTestServer.freshSchema())
    }
  }
}

@Suite struct CassetteAndRunStoreTests {
  func exchange(_ key: String, _ n: Int, usage: TokenUsage? = nil) -> Exchange {
    Exchange(
      key: key, n: n, provider: "openai",
      request: ["model": "gpt-x", "messages": [["role": "user", "content": .string("hi \(n)")]]],
      response: ["choices": [["message": ["content": "ok"]]], "score": 0.25],
      latencyMilliseconds: 812.5, usage: usage, recordedAt: "2026-11-20T10:00:00Z",
      thread: "deploy-001", meta: n == 0 ? ["http_status": 200] : nil)
  }

  @Test(arguments: StoreEngine.available)
  func cassetteRoundTripsInRecordedOrder(engine: StoreEngine) throws {
    let location = try engine.make()
    let cassette = try location.cassette()
    let recorded = [
      exchange("k1", 0, usage: TokenUsage(inputTokens: 120, outputTokens: 7)),
      exchange("k2", 0), exchange("k1", 1),
    ]
    for item in recorded { try cassette.append(item) }
    #expect(try cassette.exchanges(forKey: "k1") == [recorded[0], recorded[2]])
    #expect(try cassette.exchanges(forKey: "missing").isEmpty)
    // Another store on the same database sees the same recordings.
    #expect(try location.cassette().allExchanges() == recorded)
    // Each key once, in the order its first exchange was recorded.
    try cassette.append(exchange("k0", 0))
    try cassette.append(exchange("k2", 1))
    #expect(try cassette.keys() == ["k1", "k2", "k0"])
  }

  @Test(arguments: StoreEngine.available)
  func cassetteAssignsTheNextNWhateverTheExchangeSays(engine: StoreEngine) throws {
    let cassette = try engine.make().cassette()
    #expect(try cassette.append(exchange("k", 0)).n == 0)
    #expect(try cassette.append(exchange("k", 0)).n == 1)
    #expect(try cassette.append(exchange("k", 3)).n == 2)
    #expect(try cassette.append(exchange("other", 5)).n == 0)
    let stored = try cassette.exchanges(forKey: "k")
    #expect(stored.map(\.n) == [0, 1, 2])
    #expect(stored[1].request == exchange("k", 0).request)
    #expect(stored[2].request == exchange("k", 3).request)
  }

  /// Eight writers on four connections appending the same key: n = 0…N−1, no gap, no
  /// duplicate, each writer's exchanges in its own order.
  @Test(arguments: StoreEngine.available)
  func concurrentAppendsOfOneKeyGetEveryNOnce(engine: StoreEngine) throws {
    let location = try engine.make()
    let stores = try (0..<4).map { _ in try location.cassette() }
    let writers = 8
    let perWriter = 25
    let assigned = Mutex<[Int]>([])
    DispatchQueue.concurrentPerform(iterations: writers) { writer in
      let store = stores[writer % stores.count]
      for item in 0..<perWriter {
        let exchange = Exchange(
          key: "same-request", n: 0, provider: "openai", request: ["model": "m"],
          response: ["writer": .int(Int64(writer)), "item": .int(Int64(item))],
          recordedAt: "2026-11-20T10:00:00Z")
        do {
          let stored = try store.append(exchange)
          assigned.withLock { $0.append(stored.n) }
        } catch {
          Issue.record("unexpected error \(error)")
        }
      }
    }
    let total = writers * perWriter
    #expect(assigned.withLock { $0.sorted() } == Array(0..<total))
    let stored = try location.cassette().exchanges(forKey: "same-request")
    #expect(stored.map(\.n) == Array(0..<total))
    for writer in 0..<writers {
      let items = stored.filter { $0.response["writer"] == .int(Int64(writer)) }
        .compactMap { $0.response["item"]?.intValue }
      #expect(items == Array(0..<perWriter))
    }
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

  @Test(arguments: StoreEngine.available)
  func runStoreKeepsRunsAndSummaries(engine: StoreEngine) throws {
    let location = try engine.make()
    let runs = try location.runs()
    let later = results(
      id: "run-2", suite: "deploy-bot", startedAt: "2026-11-21T10:00:00Z", passed: 2)
    let earlier = results(
      id: "run-1", suite: "deploy-bot", startedAt: "2026-11-20T10:00:00Z", passed: 1)
    try runs.save(later)
    try runs.save(earlier)
    try runs.save(
      results(id: "run-3", suite: "other", startedAt: "2026-11-19T10:00:00Z", passed: 0))
    #expect(try runs.run(id: "run-1") == earlier)
    #expect(try location.runs().run(id: "run-2") == later)
    #expect(try runs.run(id: "missing") == nil)
    let records = try runs.runs(suite: "deploy-bot")
    #expect(records.map(\.info.id) == ["run-1", "run-2"])
    #expect(records[0] == RunRecord(info: earlier.run, summary: earlier.summary))
    #expect(try location.allRuns().map(\.info.id) == ["run-3", "run-1", "run-2"])
    let thrown = try #require(throws: (any Error).self) { try runs.save(earlier) }
    let error = try #require(thrown as? any RefoldError)
    #expect(error.description == "run \"run-1\" is already stored")
    #expect(error.exitStatus == .invalidInput)
    #expect(try runs.runs(suite: "deploy-bot").count == 2)
  }

  @Test(arguments: StoreEngine.available)
  func runScopesAreKeptAndListed(engine: StoreEngine) throws {
    let location = try engine.make()
    let runs = try location.runs()
    var scoped = results(
      id: "run-1", suite: "deploy-bot", startedAt: "2026-11-20T10:00:00Z", passed: 2)
    scoped.run.scope = .adHoc
    try runs.save(scoped)
    try runs.save(
      results(id: "run-2", suite: "deploy-bot", startedAt: "2026-11-21T10:00:00Z", passed: 2))
    #expect(try runs.runs(suite: "deploy-bot").map(\.info.scope) == [.adHoc, nil])
    #expect(try runs.run(id: "run-1")?.run.scope == .adHoc)
    if engine == .postgres, let store = runs as? PostgresRunStore {
      let column = try store.connection.withLock {
        try store.connection.query("SELECT scope FROM runs ORDER BY started_at").rows
      }
      #expect(column == [["ad_hoc"], [nil]])
    }
  }

  @Test func sqliteRunStoreKeepsVerdicts() throws {
    let runs = try SQLiteRunStore(path: ":memory:")
    try runs.save(
      results(id: "run-1", suite: "deploy-bot", startedAt: "2026-11-20T10:00:00Z", passed: 1))
    let verdicts = try runs.caseVerdicts(run: "run-1")
    #expect(verdicts.map(\.verdict) == [.pass, .wrongIntent])
    #expect(verdicts[1].expectedIntent == "deploy_backend")
    #expect(verdicts[1].actualIntent == "done_for_now")
    #expect(verdicts[1].step == 1)
    #expect(throws: StoreError.runExists("run-1")) {
      try runs.save(
        results(id: "run-1", suite: "deploy-bot", startedAt: "2026-11-20T10:00:00Z", passed: 1))
    }
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

  @Test func newStoresHaveLargePagesAndExistingOnesKeepTheirs() throws {
    let directory = try TemporaryDirectory()
    func pageSize(_ database: RefoldDatabase) throws -> Int {
      try database.withConnection { connection in
        let statement = try connection.prepare("PRAGMA page_size")
        _ = try statement.step()
        return statement.int(at: 0)
      }
    }
    let fresh = directory.path("fresh.sqlite")
    #expect(try pageSize(RefoldDatabase(path: fresh)) == 16_384)
    // A store made with 4 KiB pages (as earlier versions made them) keeps them and works.
    let old = directory.path("old.sqlite")
    let made = try SQLiteConnection(path: ":memory:")
    try made.execute("PRAGMA page_size = 4096; VACUUM INTO '\(old)'")
    #expect(try pageSize(RefoldDatabase(path: old)) == 4096)
    try SQLiteRunStore(path: old).save(
      results(id: "run-1", suite: "deploy-bot", startedAt: "2026-11-20T10:00:00Z", passed: 1))
    #expect(try pageSize(RefoldDatabase(path: old)) == 4096)
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
