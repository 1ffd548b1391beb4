import Foundation
import RefoldCore
import RefoldShared

/// The ``RunStore`` on SQLite: evaluation runs for trends, comparisons and re-rendering.
///
/// The `runs` table keeps the ``RunResults`` without its cases and golden threads as JSON,
/// plus columns to list by (suite, variant, start time, git commit); `case_results` keeps one
/// row per scored case (run, case, thread, step, verdict, expected and actual intent, and the
/// case's JSON) so trends and comparisons can query verdicts without decoding whole runs;
/// `run_threads` keeps each golden thread as event JSONL.
public final class SQLiteRunStore: RunStore {
  /// The database this store reads and writes.
  public let database: RefoldDatabase

  /// A run store on a shared database.
  public init(database: RefoldDatabase) {
    self.database = database
  }

  /// Opens (creating directories and schema as needed) the database at `path`.
  public convenience init(path: String) throws {
    self.init(database: try RefoldDatabase(path: path))
  }

  /// Stores a run and its cases.
  ///
  /// The run without its cases and threads is one JSON row; each case is a `case_results`
  /// row with its JSON (written by ``ResultsWriter/compactCase(_:)``, no whole-run encode),
  /// each golden thread a `run_threads` row of event JSONL. Runs being written that were
  /// abandoned (see ``PendingRun``) are removed first.
  ///
  /// - Throws: ``StoreError/runExists(_:)`` when the run id is already stored or being
  ///   written.
  public func save(_ results: RunResults) throws {
    let row = try StoredRun(results)
    let cases = try results.cases.map(StoredRun.CaseRow.init)
    let threads = row.threads.map { StoredRun.ThreadRow(thread: $0.key, events: $0.value) }
    try database.withConnection { connection in
      try connection.transaction {
        try Self.removeAbandoned(connection)
        try Self.claim(results.run.id, connection: connection)
        let insert = try connection.prepare(
          """
          INSERT INTO runs (id, suite, variant, started_at, finished_at, git_commit,
            model_source, info, summary, results, scope)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
          """)
        let run = results.run
        insert.bind(run.id, at: 1)
        insert.bind(run.suite, at: 2)
        insert.bind(run.variant, at: 3)
        insert.bind(run.startedAt, at: 4)
        insert.bind(run.finishedAt, at: 5)
        insert.bind(run.gitCommit, at: 6)
        insert.bind(run.modelSource, at: 7)
        insert.bind(row.info, at: 8)
        insert.bind(row.summary, at: 9)
        insert.bind(row.head, at: 10)
        insert.bind(run.scope?.rawValue, at: 11)
        try insert.run()
        try Self.insert(cases: cases, run: run.id, connection: connection)
        try Self.insert(threads: threads, run: run.id, connection: connection)
      }
    }
  }

  /// A writer that stores the run as it streams: its id taken (and runs abandoned by their
  /// writers removed) now, its cases and threads a batch at a time on a thread of the
  /// writer's own, the run visible once ``RunWriter/finish(_:)`` has stored its head.
  ///
  /// Until then the run is pending: ``run(id:)``, ``runs(suite:)``, ``allRuns()`` and
  /// ``caseVerdicts(run:)`` do not see it, and ``RunWriter/abandon()`` (or a writer released
  /// unfinished) deletes its rows. A process killed while writing leaves a pending run that
  /// the next writer or ``save(_:)`` on the store removes (see ``PendingRun``).
  ///
  /// - Throws: ``StoreError/runExists(_:)`` when the run id is already stored or being
  ///   written.
  public func writer(for run: RunInfo) throws -> any RunWriter {
    let pending = PendingRun()
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    let info = String(decoding: try encoder.encode(run), as: UTF8.self)
    try database.withConnection { connection in
      try connection.transaction {
        try Self.removeAbandoned(connection)
        try Self.claim(run.id, connection: connection)
        let insert = try connection.prepare(
          """
          INSERT INTO runs (id, suite, variant, started_at, finished_at, git_commit,
            model_source, info, summary, results, scope, pending, pending_host, pending_pid,
            pending_heartbeat)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, '', '', ?, ?, ?, ?, strftime('%s', 'now'))
          """)
        insert.bind(run.id, at: 1)
        insert.bind(run.suite, at: 2)
        insert.bind(run.variant, at: 3)
        insert.bind(run.startedAt, at: 4)
        insert.bind(run.finishedAt, at: 5)
        insert.bind(run.gitCommit, at: 6)
        insert.bind(run.modelSource, at: 7)
        insert.bind(info, at: 8)
        insert.bind(run.scope?.rawValue, at: 9)
        insert.bind(pending.token, at: 10)
        insert.bind(pending.host, at: 11)
        insert.bind(pending.pid, at: 12)
        try insert.run()
      }
    }
    return StreamingRunWriter(
      sink: SQLiteRunRows(database: database, id: run.id, pending: pending))
  }

  /// Inserts the `case_results` rows of a run, in order.
  static func insert(cases: [StoredRun.CaseRow], run: String, connection: SQLiteConnection)
    throws
  {
    let insert = try connection.prepare(
      """
      INSERT INTO case_results (run_id, case_id, thread, mode, step, seq, verdict,
        expected_intent, actual_intent, body)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      """)
    for row in cases {
      insert.reset()
      insert.bind(run, at: 1)
      insert.bind(row.id, at: 2)
      insert.bind(row.thread, at: 3)
      insert.bind(row.mode, at: 4)
      insert.bind(row.step, at: 5)
      insert.bind(row.seq, at: 6)
      insert.bind(row.verdict, at: 7)
      insert.bind(row.expectedIntent, at: 8)
      insert.bind(row.actualIntent, at: 9)
      insert.bind(utf8: row.body, at: 10)
      try insert.run()
    }
  }

  /// Inserts the `run_threads` rows of a run, each thread's events shared in
  /// `golden_threads` under its key (stored there by the first run that has them).
  ///
  /// A key that holds other bytes (an FNV collision) keeps the thread's events in its own
  /// row.
  static func insert(threads: [StoredRun.ThreadRow], run: String, connection: SQLiteConnection)
    throws
  {
    let golden = try connection.prepare(
      "INSERT OR IGNORE INTO golden_threads (key, events) VALUES (?, ?)")
    let stored = try connection.prepare("SELECT events FROM golden_threads WHERE key = ?")
    let insert = try connection.prepare(
      "INSERT INTO run_threads (run_id, thread, events, golden) VALUES (?, ?, ?, ?)")
    for thread in threads {
      golden.reset()
      golden.bind(thread.key, at: 1)
      golden.bind(utf8: thread.lines, at: 2)
      try golden.run()
      var shared = true
      if connection.changes == 0 {
        stored.reset()
        stored.bind(thread.key, at: 1)
        shared =
          try stored.step()
          && stored.withBytes(at: 0) { $0.elementsEqual(thread.lines) } == true
        stored.reset()
      }
      insert.reset()
      insert.bind(run, at: 1)
      insert.bind(thread.thread, at: 2)
      insert.bind(utf8: shared ? [] : thread.lines, at: 3)
      insert.bind(shared ? thread.key : nil, at: 4)
      try insert.run()
    }
  }

  /// Throws ``StoreError/runExists(_:)`` when a run with this id is stored or being written.
  private static func claim(_ id: String, connection: SQLiteConnection) throws {
    let exists = try connection.prepare("SELECT 1 FROM runs WHERE id = ?")
    defer { exists.reset() }
    exists.bind(id, at: 1)
    guard try !exists.step() else { throw StoreError.runExists(id) }
  }

  /// Deletes the runs being written whose writers abandoned them (``PendingRun``), with
  /// their rows; inside the caller's transaction.
  static func removeAbandoned(_ connection: SQLiteConnection) throws {
    let select = try connection.prepare(
      """
      SELECT id, pending, pending_host, pending_pid,
        CAST(strftime('%s', 'now') AS INTEGER) - coalesce(pending_heartbeat, 0)
      FROM runs WHERE pending IS NOT NULL
      """)
    var abandoned: [(id: String, token: String)] = []
    while try select.step() {
      let age = select.int(at: 4)
      if PendingRun.isAbandoned(
        host: select.string(at: 2), pid: select.optionalInt(at: 3), age: age)
      {
        abandoned.append((select.string(at: 0) ?? "", select.string(at: 1) ?? ""))
      }
    }
    select.reset()
    guard !abandoned.isEmpty else { return }
    let delete = try connection.prepare("DELETE FROM runs WHERE id = ? AND pending = ?")
    for run in abandoned {
      delete.reset()
      delete.bind(run.id, at: 1)
      delete.bind(run.token, at: 2)
      try delete.run()
    }
  }

  /// The run with this id, its cases and threads read back from their rows (or, for a run
  /// stored before they had rows, from its JSON).
  public func run(id: String) throws -> RunResults? {
    let decoder = JSONDecoder()
    let found: RunResults? = try database.withConnection { connection in
      let statement = try connection.prepare(
        "SELECT results FROM runs WHERE id = ? AND pending IS NULL")
      defer { statement.reset() }
      statement.bind(id, at: 1)
      guard try statement.step(), let text = statement.string(at: 0) else { return nil }
      var results = try Self.decode(RunResults.self, text, run: id)
      let cases = try connection.prepare(
        "SELECT body FROM case_results WHERE run_id = ? AND body IS NOT NULL ORDER BY rowid")
      defer { cases.reset() }
      cases.bind(id, at: 1)
      var stored: [CaseResult] = []
      while try cases.step() {
        let result = try cases.withBytes(at: 0) { bytes in
          try Self.decode(CaseResult.self, Data(buffer: bytes), run: id, decoder: decoder)
        }
        if let result { stored.append(result) }
      }
      if !stored.isEmpty { results.cases = stored }
      let threads = try connection.prepare(
        """
        SELECT run_threads.thread, coalesce(golden_threads.events, run_threads.events)
        FROM run_threads LEFT JOIN golden_threads ON golden_threads.key = run_threads.golden
        WHERE run_threads.run_id = ?
        """)
      defer { threads.reset() }
      threads.bind(id, at: 1)
      var map: [String: [Event]] = [:]
      while try threads.step() {
        let thread = threads.string(at: 0) ?? ""
        map[thread] = try threads.withBytes(at: 1) { bytes in
          try Self.events(bytes, run: id, thread: thread)
        }
      }
      if !map.isEmpty { results.threads = map }
      return results
    }
    return found
  }

  /// The events of a stored thread's JSONL.
  private static func events(_ bytes: UnsafeBufferPointer<UInt8>, run: String, thread: String)
    throws -> [Event]
  {
    var events: [Event] = []
    var start = 0
    while start < bytes.count {
      var end = start
      while end < bytes.count, bytes[end] != 0x0A { end += 1 }
      if end > start {
        do {
          let line = try EventLine.parse(bytes: UnsafeBufferPointer(rebasing: bytes[start..<end]))
          events.append(line.event(seq: line.seq ?? events.count))
        } catch {
          throw StoreError.corruptRow(
            table: "run_threads", detail: "run \(run) thread \(thread): \(error.reason)")
        }
      }
      start = end + 1
    }
    return events
  }

  public func runs(suite: String) throws -> [RunRecord] {
    try records(where: "WHERE suite = ? AND pending IS NULL", binding: suite)
  }

  /// Every stored run, oldest first, with its summary.
  public func allRuns() throws -> [RunRecord] {
    try records(where: "WHERE pending IS NULL", binding: nil)
  }

  /// The run's outline from its `runs` row and its `case_results` columns: no case body is
  /// decoded and no golden thread read, so a comparison of two large runs holds their
  /// outlines only.
  public func outline(id: String) throws -> RunOutline? {
    let head: (info: String, summary: String)? = try database.withConnection { connection in
      let statement = try connection.prepare(
        "SELECT info, summary FROM runs WHERE id = ? AND pending IS NULL")
      defer { statement.reset() }
      statement.bind(id, at: 1)
      guard try statement.step() else { return nil }
      return (statement.string(at: 0) ?? "", statement.string(at: 1) ?? "")
    }
    guard let head else { return nil }
    let cases = try caseVerdicts(run: id).map { row in
      CaseOutline(
        id: row.caseID, thread: row.thread, mode: row.mode, step: row.step,
        verdict: row.verdict, expected: row.expectedIntent, actual: row.actualIntent)
    }
    return RunOutline(
      run: try Self.decode(RunInfo.self, head.info, run: id),
      summary: try Self.decode(RunSummary.self, head.summary, run: id), cases: cases)
  }

  /// The stored per-case verdicts of a run, in case order.
  public func caseVerdicts(run id: String) throws -> [CaseVerdict] {
    try database.withConnection { connection in
      let statement = try connection.prepare(
        """
        SELECT case_id, thread, mode, step, seq, verdict, expected_intent, actual_intent
        FROM case_results WHERE run_id = ?
          AND EXISTS (SELECT 1 FROM runs WHERE id = case_results.run_id AND pending IS NULL)
        ORDER BY rowid
        """)
      defer { statement.reset() }
      statement.bind(id, at: 1)
      var result: [CaseVerdict] = []
      while try statement.step() {
        let verdictText = statement.string(at: 5) ?? ""
        guard let verdict = CaseResult.Verdict(rawValue: verdictText) else {
          throw StoreError.corruptRow(
            table: "case_results", detail: "run \(id): unknown verdict \"\(verdictText)\"")
        }
        result.append(
          CaseVerdict(
            caseID: statement.string(at: 0) ?? "", thread: statement.string(at: 1) ?? "",
            mode: statement.string(at: 2) ?? "", step: statement.optionalInt(at: 3),
            seq: statement.optionalInt(at: 4), verdict: verdict,
            expectedIntent: statement.string(at: 6), actualIntent: statement.string(at: 7)))
      }
      return result
    }
  }

  private func records(where clause: String, binding: String?) throws -> [RunRecord] {
    typealias Row = (
      id: String, info: String, summary: String, verdict: String?, scope: String?
    )
    let rows: [Row] = try database.withConnection { connection in
      let statement = try connection.prepare(
        """
        SELECT id, info, summary, json_extract(results, '$.gate.verdict'), scope FROM runs
        \(clause) ORDER BY started_at, rowid
        """)
      defer { statement.reset() }
      if let binding { statement.bind(binding, at: 1) }
      var rows: [Row] = []
      while try statement.step() {
        rows.append(
          (
            statement.string(at: 0) ?? "", statement.string(at: 1) ?? "",
            statement.string(at: 2) ?? "", statement.string(at: 3), statement.string(at: 4)
          ))
      }
      return rows
    }
    return try rows.map { row in
      var info = try Self.decode(RunInfo.self, row.info, run: row.id)
      // The column is what queries read; a run's info carries the same scope.
      if let scope = row.scope { info.scope = RunInfo.Scope(rawValue: scope) ?? info.scope }
      return RunRecord(
        info: info,
        summary: try Self.decode(RunSummary.self, row.summary, run: row.id),
        verdict: row.verdict.flatMap(RunGate.Verdict.init(rawValue:)))
    }
  }

  private static func decode<Value: Decodable>(_ type: Value.Type, _ text: String, run: String)
    throws -> Value
  {
    try decode(type, Data(text.utf8), run: run, decoder: JSONDecoder())
  }

  private static func decode<Value: Decodable>(
    _ type: Value.Type, _ data: Data, run: String, decoder: JSONDecoder
  ) throws -> Value {
    do {
      return try decoder.decode(type, from: data)
    } catch {
      throw StoreError.corruptRow(table: "runs", detail: "run \(run): \(SystemReason.of(error))")
    }
  }
}

/// One stored per-decision verdict of a run (a `case_results` row).
public struct CaseVerdict: Sendable, Hashable {
  public var caseID: String
  public var thread: String
  public var mode: String
  public var step: Int?
  public var seq: Int?
  public var verdict: CaseResult.Verdict
  public var expectedIntent: String?
  public var actualIntent: String?

  public init(
    caseID: String, thread: String, mode: String, step: Int?, seq: Int?,
    verdict: CaseResult.Verdict, expectedIntent: String?, actualIntent: String?
  ) {
    self.caseID = caseID
    self.thread = thread
    self.mode = mode
    self.step = step
    self.seq = seq
    self.verdict = verdict
    self.expectedIntent = expectedIntent
    self.actualIntent = actualIntent
  }
}
