import Foundation
import RefoldCore
import RefoldPostgres
import RefoldShared
import RefoldStore
import RefoldTestSupport
import Testing

/// The streaming run writers of both engines: a streamed run reads back as the same run
/// saved whole, and until it finishes no reader sees it, whatever happens to its writer.
@Suite struct RunWriterContractTests {
  /// A run of `threadCount` threads, `perThread` cases each (in thread order, as an
  /// evaluation hands them on), with golden threads when `keepThreads`.
  static func results(
    id: String, threadCount: Int = 300, perThread: Int = 3, keepThreads: Bool = true
  ) -> RunResults {
    let info = RunInfo(
      id: id, suite: "deploy-bot", variant: "baseline", modes: ["step"],
      modelSource: "recorded", startedAt: "2026-11-20T10:00:00Z",
      finishedAt: "2026-11-20T10:01:00Z", gitCommit: "abc123", toolVersion: "test",
      scope: .suite)
    var cases: [CaseResult] = []
    var threads: [String: [Event]] = [:]
    for thread in 0..<threadCount {
      let name = "thread-\(thread)"
      for step in 0..<perThread {
        let passed = (thread + step) % 4 != 0
        cases.append(
          CaseResult(
            id: "\(name)#\(step)", thread: name, mode: "step", step: step, seq: step * 2 + 1,
            expected: Intent(name: "deploy_backend", parameters: ["tag": .string("v\(step)")]),
            actual: Intent(
              name: passed ? "deploy_backend" : "done_for_now",
              parameters: passed ? ["tag": .string("v\(step)")] : ["message": "tab\tquote\"✓"]),
            verdict: passed ? .pass : .wrongIntent))
      }
      if keepThreads {
        threads[name] = (0..<(perThread * 2)).map { seq in
          Event(
            thread: name, seq: seq, type: seq % 2 == 0 ? "slack_message" : "deploy_backend",
            data: ["text": .string("line \(seq)\nwith\\escapes\t✓"), "n": .int(Int64(seq))],
            at: "2026-11-20T10:00:00Z", meta: seq == 1 ? ["exchange": "sha256:abc"] : nil)
        }
      }
    }
    let rate = Rate(passed: 2, total: 3, rate: 0.66, low: 0.2, high: 0.9)
    let summary = RunSummary(
      decisions: cases.count, intentAccuracy: rate, parameterAccuracy: rate, casePassRate: rate,
      retry: RetrySummary(
        afterError: 0, correctedRetry: 0, identicalRetry: 0, gaveUp: 0, escalated: 0,
        overRetries: 0, expectedBehaviour: rate),
      escalation: EscalationSummary(onTime: 0, early: 0, late: 0, never: 0, onTimeRate: rate))
    return RunResults(
      run: info, summary: summary,
      byIntent: IntentBreakdown(labels: ["deploy_backend"], matrix: [[1]], intents: [:]),
      cases: cases, threads: keepThreads ? threads : nil)
  }

  /// Streams `results` through a writer of `store` and finishes it.
  static func stream(_ results: RunResults, into store: any RunStore) throws {
    let writer = try store.writer(for: results.run)
    for thread in ThreadCases.split(results) { try writer.add(thread) }
    try writer.finish(results)
  }

  @Test(arguments: StoreEngine.available)
  func anOutlineIsReadFromTheCaseRowsAsTheWholeRunGivesIt(engine: StoreEngine) throws {
    let run = Self.results(id: "run-1")
    let location = try engine.make()
    let store = try location.runs()
    let writer = try store.writer(for: run.run)
    for thread in ThreadCases.split(run) { try writer.add(thread) }
    // A run being written has no outline yet, as it has no run.
    #expect(try store.outline(id: "run-1") == nil)
    try writer.finish(run)
    let outline = try #require(try store.outline(id: "run-1"))
    #expect(outline == run.outline)
    #expect(outline == (try store.run(id: "run-1"))?.outline)
    #expect(outline.cases.count == 900)
    // A run saved whole reads back the same outline.
    let saved = try engine.make().runs()
    try saved.save(run)
    #expect(try saved.outline(id: "run-1") == run.outline)
    #expect(try saved.outline(id: "no-such-run") == nil)
  }

  @Test(arguments: StoreEngine.available)
  func aStreamedRunReadsBackAsTheSameRunSavedWhole(engine: StoreEngine) throws {
    for keepThreads in [true, false] {
      let run = Self.results(id: "run-1", keepThreads: keepThreads)
      let saved = try engine.make().runs()
      try saved.save(run)
      let streamedLocation = try engine.make()
      let streamed = try streamedLocation.runs()
      try Self.stream(run, into: streamed)
      let back = try #require(try streamedLocation.runs().run(id: "run-1"))
      #expect(back == run)
      #expect(back == (try saved.run(id: "run-1")))
      #expect(try ResultsWriter.encode(back) == ResultsWriter.encode(run))
      #expect(try streamed.runs(suite: "deploy-bot") == saved.runs(suite: "deploy-bot"))
      #expect(try streamedLocation.rowCounts(run: "run-1").cases == run.cases.count)
    }
  }

  @Test(arguments: StoreEngine.available)
  func aRunBeingWrittenIsInvisibleUntilItFinishes(engine: StoreEngine) throws {
    let location = try engine.make()
    let store = try location.runs()
    let other = Self.results(id: "other", threadCount: 2)
    try store.save(other)
    let run = Self.results(id: "run-1", threadCount: 600)
    let writer = try store.writer(for: run.run)
    for thread in ThreadCases.split(run) { try writer.add(thread) }
    // The writer's thread has written batches: the rows are there, the run is not.
    try location.waitForCaseRows(run: "run-1", atLeast: 1_000)
    let reader = try location.runs()
    #expect(try reader.run(id: "run-1") == nil)
    #expect(try reader.runs(suite: "deploy-bot").map(\.info.id) == ["other"])
    #expect(try location.allRuns().map(\.info.id) == ["other"])
    if let sqlite = reader as? SQLiteRunStore {
      #expect(try sqlite.caseVerdicts(run: "run-1").isEmpty)
    }
    if let postgres = reader as? PostgresRunStore {
      #expect(try postgres.runIDs() == ["other"])
    }
    // Its id is taken: neither another writer nor a save can have it.
    #expect(throws: (any Error).self) { _ = try reader.writer(for: run.run) }
    let thrown = try #require(throws: (any Error).self) { try reader.save(run) }
    #expect((thrown as? any RefoldError)?.description == "run \"run-1\" is already stored")
    try writer.finish(run)
    #expect(try reader.run(id: "run-1") == run)
    #expect(try location.allRuns().map(\.info.id) == ["other", "run-1"])
  }

  @Test(arguments: StoreEngine.available)
  func abandoningAWriterLeavesNothing(engine: StoreEngine) throws {
    let location = try engine.make()
    let store = try location.runs()
    try store.save(Self.results(id: "other", threadCount: 2))
    let before = try location.rowCounts()
    let run = Self.results(id: "run-1", threadCount: 600)
    let writer = try store.writer(for: run.run)
    for thread in ThreadCases.split(run) { try writer.add(thread) }
    try location.waitForCaseRows(run: "run-1", atLeast: 1_000)
    writer.abandon()
    #expect(try location.rowCounts() == before)
    // The id is free again.
    try Self.stream(run, into: store)
    #expect(try store.run(id: "run-1") == run)
  }

  @Test(arguments: StoreEngine.available)
  func aWriterReleasedUnfinishedLeavesNothing(engine: StoreEngine) throws {
    let location = try engine.make()
    let store = try location.runs()
    let run = Self.results(id: "run-1", threadCount: 600)
    do {
      let writer = try store.writer(for: run.run)
      try withExtendedLifetime(writer) {
        for thread in ThreadCases.split(run) { try writer.add(thread) }
        try location.waitForCaseRows(run: "run-1", atLeast: 1_000)
      }
    }
    #expect(try location.rowCounts() == RowCounts(runs: 0, cases: 0, threads: 0))
  }

  /// A process killed while writing leaves a pending run; the next writer or save removes
  /// it, and the killed writer's id is free.
  @Test(arguments: StoreEngine.available)
  func aRunWhoseWriterDiedIsRemovedByTheNextWriter(engine: StoreEngine) throws {
    let location = try engine.make()
    let store = try location.runs()
    let run = Self.results(id: "run-1", threadCount: 600)
    let writer = try store.writer(for: run.run)
    for thread in ThreadCases.split(run) { try writer.add(thread) }
    try location.waitForCaseRows(run: "run-1", atLeast: 1_000)
    // As a writer in a process that is gone leaves it.
    try location.execute("UPDATE runs SET pending_pid = \(try Self.deadProcessID())")
    #expect(try location.rowCounts().cases >= 1_000)
    let next = Self.results(id: "run-2", threadCount: 3)
    try Self.stream(next, into: try location.runs())
    #expect(try location.rowCounts() == RowCounts(runs: 1, cases: 9, threads: 3))
    // The dead writer's batches and head find their run gone.
    let thrown = try #require(throws: (any Error).self) { try writer.finish(run) }
    #expect((thrown as? any RefoldError)?.exitStatus == .environment)
    #expect(try store.run(id: "run-1") == nil)
    try store.save(run)
    #expect(try store.run(id: "run-1") == run)
  }

  /// A writer on another host is judged by when it was last seen alive.
  @Test(arguments: StoreEngine.available)
  func aRunOfAnotherHostIsRemovedOnlyWhenItsWriterWentQuiet(engine: StoreEngine) throws {
    let location = try engine.make()
    let store = try location.runs()
    let run = Self.results(id: "run-1", threadCount: 3)
    let writer = try store.writer(for: run.run)
    for thread in ThreadCases.split(run) { try writer.add(thread) }
    let ago = PendingRun.abandonedAfter - 60
    try location.execute(
      "UPDATE runs SET pending_host = 'elsewhere', pending_heartbeat = pending_heartbeat - \(ago)"
    )
    try store.save(Self.results(id: "run-2", threadCount: 1))
    #expect(try location.rowCounts().runs == 2)
    try location.execute("UPDATE runs SET pending_heartbeat = pending_heartbeat - 120")
    try store.save(Self.results(id: "run-3", threadCount: 1))
    #expect(try location.rowCounts().runs == 2)
    #expect(try location.allRuns().map(\.info.id) == ["run-2", "run-3"])
  }

  /// A run stored under the writer's id meanwhile (after its pending run was removed) makes
  /// `finish` fail with run-exists and keeps the other run.
  @Test(arguments: StoreEngine.available)
  func finishingChecksTheIDAgain(engine: StoreEngine) throws {
    let location = try engine.make()
    let store = try location.runs()
    let run = Self.results(id: "run-1", threadCount: 3)
    let writer = try store.writer(for: run.run)
    for thread in ThreadCases.split(run) { try writer.add(thread) }
    try location.execute("UPDATE runs SET pending_pid = \(try Self.deadProcessID())")
    var other = Self.results(id: "run-1", threadCount: 2)
    other.run.variant = "other"
    try location.runs().save(other)
    let thrown = try #require(throws: (any Error).self) { try writer.finish(run) }
    #expect((thrown as? any RefoldError)?.description == "run \"run-1\" is already stored")
    #expect(try store.run(id: "run-1") == other)
  }

  @Test(arguments: StoreEngine.available)
  func anotherConnectionWritesWhileAWriterIsOpen(engine: StoreEngine) throws {
    let location = try engine.make()
    let run = Self.results(id: "run-1", threadCount: 600)
    let writer = try location.runs().writer(for: run.run)
    let threads = ThreadCases.split(run)
    // 1,200 cases queued: whatever the writer's thread took at once, fewer than a batch
    // (512) is left waiting.
    for thread in threads.prefix(400) { try writer.add(thread) }
    try location.waitForCaseRows(run: "run-1", atLeast: 600)
    // Another connection appends events and records an exchange between the batches.
    let events = try location.eventStore(busyTimeout: .seconds(2))
    for seq in 0..<20 {
      let line = try EventLine.parse(
        #"{"thread":"live","seq":\#(seq),"type":"user_input","data":{"n":\#(seq)}}"#)
      _ = try events.append([line])
    }
    for thread in threads.dropFirst(400) { try writer.add(thread) }
    try writer.finish(run)
    #expect(try events.events(in: "live").count == 20)
    #expect(try location.runs().run(id: "run-1") == run)
  }

  /// Runs of the same fixtures store each golden thread once; a key that holds other bytes
  /// keeps the thread with its run.
  @Test(arguments: StoreEngine.available)
  func goldenThreadsAreStoredOnceForEveryRun(engine: StoreEngine) throws {
    let location = try engine.make()
    let store = try location.runs()
    let first = Self.results(id: "run-1", threadCount: 40)
    try Self.stream(first, into: store)
    var second = Self.results(id: "run-2", threadCount: 40)
    second.run.variant = "other"
    try store.save(second)
    // A third run whose first thread's key is taken by other bytes.
    let third = Self.results(id: "run-3", threadCount: 41)
    let extra = try #require(third.threads?["thread-40"])
    var lines: [UInt8] = []
    StoredRun.eventLines(extra, into: &lines)
    try location.execute(
      "INSERT INTO golden_threads (key, events) VALUES ('\(StoredRun.goldenKey(thread: "thread-40", lines))', 'other')"
    )
    try Self.stream(third, into: store)
    #expect(try location.count("SELECT count(*) FROM golden_threads") == 41)
    #expect(try location.count("SELECT count(*) FROM run_threads") == 121)
    #expect(try location.count("SELECT count(*) FROM run_threads WHERE golden IS NULL") == 1)
    #expect(try store.run(id: "run-1") == first)
    #expect(try store.run(id: "run-2") == second)
    #expect(try store.run(id: "run-3") == third)
  }

  @Test func aStoreOfSchemaFourKeepsItsRunsAndStreamsNewOnes() throws {
    let directory = try TemporaryDirectory()
    let path = directory.path("refold.sqlite")
    let old = Self.results(id: "old-run", threadCount: 4)
    do {
      // A store as today's code left it at schema 4, with a run saved then.
      let database = try RefoldDatabase(path: path)
      try SQLiteRunStore(database: database).save(old)
      try database.withConnection { connection in
        try connection.execute(
          """
          UPDATE run_threads SET events = (
            SELECT events FROM golden_threads WHERE key = run_threads.golden);
          ALTER TABLE run_threads DROP COLUMN golden;
          DROP TABLE golden_threads;
          DROP INDEX runs_pending;
          ALTER TABLE runs DROP COLUMN pending_heartbeat;
          ALTER TABLE runs DROP COLUMN pending_pid;
          ALTER TABLE runs DROP COLUMN pending_host;
          ALTER TABLE runs DROP COLUMN pending;
          PRAGMA user_version = 4;
          """)
      }
      #expect(try database.schemaVersion() == 4)
    }
    let reopened = try RefoldDatabase(path: path)
    #expect(try reopened.schemaVersion() == 6)
    let store = SQLiteRunStore(database: reopened)
    #expect(try store.run(id: "old-run") == old)
    let new = Self.results(id: "new-run", threadCount: 5)
    try Self.stream(new, into: store)
    #expect(try store.allRuns().map(\.info.id) == ["old-run", "new-run"])
    #expect(try store.run(id: "new-run") == new)
  }

  /// The process id of a child that has exited (no process has it).
  static func deadProcessID() throws -> Int {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/true")
    try process.run()
    process.waitUntilExit()
    return Int(process.processIdentifier)
  }
}

/// How many rows a store's run tables hold.
struct RowCounts: Hashable, Sendable {
  var runs: Int
  var cases: Int
  var threads: Int
}

extension StoreEngine.Location {
  /// Runs SQL that returns nothing on the store's tables.
  func execute(_ sql: String) throws {
    switch engine {
    case .sqlite:
      let database = try RefoldDatabase(path: address)
      try database.withConnection { try $0.execute(sql) }
    case .postgres:
      let connection = try PostgresConnection(url: address)
      try connection.withLock { _ = try connection.query(sql) }
    }
  }

  /// The number a `SELECT count(*)` returns.
  func count(_ sql: String) throws -> Int {
    switch engine {
    case .sqlite:
      let database = try RefoldDatabase(path: address)
      return try database.withConnection { connection in
        let statement = try connection.prepare(sql)
        defer { statement.reset() }
        _ = try statement.step()
        return statement.int(at: 0)
      }
    case .postgres:
      let connection = try PostgresConnection(url: address)
      return try connection.withLock { try connection.query(sql).firstInt ?? -1 }
    }
  }

  /// The rows of the run tables, of one run or of all.
  func rowCounts(run: String? = nil) throws -> RowCounts {
    let filter = run.map { " WHERE run_id = '\($0)'" } ?? ""
    let runFilter = run.map { " WHERE id = '\($0)'" } ?? ""
    let sql = """
      SELECT (SELECT count(*) FROM runs\(runFilter)), (SELECT count(*) FROM case_results\(filter)),
        (SELECT count(*) FROM run_threads\(filter))
      """
    switch engine {
    case .sqlite:
      let database = try RefoldDatabase(path: address)
      return try database.withConnection { connection in
        let statement = try connection.prepare(sql)
        defer { statement.reset() }
        _ = try statement.step()
        return RowCounts(
          runs: statement.int(at: 0), cases: statement.int(at: 1), threads: statement.int(at: 2))
      }
    case .postgres:
      let connection = try PostgresConnection(url: address)
      let row = try connection.withLock { try connection.query(sql).rows.first ?? [] }
      let numbers = row.map { $0.flatMap { Int($0) } ?? 0 }
      return RowCounts(runs: numbers[0], cases: numbers[1], threads: numbers[2])
    }
  }

  /// Waits (up to ten seconds) until a writer's thread has written `count` case rows of
  /// `run`.
  func waitForCaseRows(run: String, atLeast count: Int) throws {
    let deadline = Date().addingTimeInterval(10)
    while try rowCounts(run: run).cases < count {
      guard Date() < deadline else {
        Issue.record("the writer wrote fewer than \(count) case rows in 10 s")
        return
      }
      usleep(10_000)
    }
  }

  /// An event store on its own connection, waiting at most `busyTimeout` for a lock.
  func eventStore(busyTimeout: Duration) throws -> any EventStore {
    switch engine {
    case .sqlite:
      return SQLiteEventStore(
        database: try RefoldDatabase(path: address, busy: BusyPolicy(timeout: busyTimeout)))
    case .postgres: return try PostgresEventStore(url: address)
    }
  }
}
