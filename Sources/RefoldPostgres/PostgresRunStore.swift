import Foundation
import RefoldCore
import RefoldShared

/// The ``RunStore`` on PostgreSQL: evaluation runs that CI on many runners writes and one
/// trend reads.
///
/// The tables have the meaning of SQLite's schema 3: `runs` keeps the ``RunResults``
/// without its cases and golden threads as JSON, with columns to list by; `case_results`
/// one row per scored case (its verdict columns and its JSON); `run_threads` each golden
/// thread as event JSONL. A run's rows are written in one transaction, the case rows by one
/// `COPY`.
///
/// ```swift
/// let runs = try PostgresRunStore(url: "postgresql://refold@db.internal/refold")
/// try runs.save(results)
/// let trend = try runs.runs(suite: "deploy-bot")
/// ```
public final class PostgresRunStore: RunStore {
  /// The connection this store reads and writes through.
  public let connection: PostgresConnection

  /// A run store on an open connection, migrated to the latest schema.
  public init(connection: PostgresConnection) throws {
    try PostgresMigrations.migrate(connection)
    self.connection = connection
  }

  /// Connects to `url` (a `postgresql://` URL) and migrates the schema as needed.
  public convenience init(url: String) throws {
    try self.init(connection: PostgresConnection(url: url))
  }

  /// Stores a run, its cases and its threads in one transaction; runs being written that
  /// were abandoned (see ``PendingRun``) are removed first.
  ///
  /// - Throws: ``PostgresError/runExists(_:)`` when the run id is already stored or being
  ///   written (by this writer or another).
  public func save(_ results: RunResults) throws {
    let row = try StoredRun(results)
    let run = results.run
    var cases = CopyRows()
    for (position, result) in results.cases.enumerated() {
      Self.add(try StoredRun.CaseRow(result), run: run.id, at: position, to: &cases)
    }
    let threads = row.threads.map { StoredRun.ThreadRow(thread: $0.key, events: $0.value) }
    try connection.withLock {
      try connection.transaction {
        try Self.removeAbandoned(connection)
        do {
          try connection.query(
            """
            INSERT INTO runs (id, suite, variant, started_at, finished_at, git_commit,
              model_source, info, summary, results, scope)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
            """,
            [
              run.id, run.suite, run.variant, run.startedAt, run.finishedAt, run.gitCommit,
              run.modelSource, row.info, row.summary, row.head, run.scope?.rawValue,
            ])
        } catch PostgresError.query(PostgresError.uniqueViolation, _, _) {
          throw PostgresError.runExists(run.id)
        }
        try Self.copy(cases: cases, threads: threads, run: run.id, connection: connection)
      }
    }
  }

  /// A writer that stores the run as it streams: its id taken (and runs abandoned by their
  /// writers removed) now, its cases and threads a batch at a time by `COPY` on a thread of
  /// the writer's own, the run visible once ``RunWriter/finish(_:)`` has stored its head.
  ///
  /// Until then the run is pending: ``run(id:)``, ``runs(suite:)``, ``allRuns()`` and
  /// ``runIDs()`` do not see it, and ``RunWriter/abandon()`` (or a writer released
  /// unfinished) deletes its rows. A process killed while writing leaves a pending run that
  /// the next writer or ``save(_:)`` on the store removes (see ``PendingRun``). The writer
  /// shares this store's connection, a batch at a time.
  ///
  /// - Throws: ``PostgresError/runExists(_:)`` when the run id is already stored or being
  ///   written.
  public func writer(for run: RunInfo) throws -> any RunWriter {
    let pending = PendingRun()
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    let info = String(decoding: try encoder.encode(run), as: UTF8.self)
    try connection.withLock {
      try connection.transaction {
        try Self.removeAbandoned(connection)
        do {
          try connection.query(
            """
            INSERT INTO runs (id, suite, variant, started_at, finished_at, git_commit,
              model_source, info, summary, results, scope, pending, pending_host, pending_pid,
              pending_heartbeat)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, '', '', $9, $10, $11, $12::bigint,
              extract(epoch FROM now())::bigint)
            """,
            [
              run.id, run.suite, run.variant, run.startedAt, run.finishedAt, run.gitCommit,
              run.modelSource, info, run.scope?.rawValue, pending.token, pending.host,
              String(pending.pid),
            ])
        } catch PostgresError.query(PostgresError.uniqueViolation, _, _) {
          throw PostgresError.runExists(run.id)
        }
      }
    }
    return StreamingRunWriter(
      sink: PostgresRunRows(connection: connection, id: run.id, pending: pending))
  }

  /// Adds a case's `case_results` row at `position` to `rows`.
  static func add(_ row: StoredRun.CaseRow, run: String, at position: Int, to rows: inout CopyRows)
  {
    rows.add(run)
    rows.add(position)
    rows.add(row.id)
    rows.add(row.thread)
    rows.add(row.mode)
    rows.add(row.step.map(String.init))
    rows.add(row.seq.map(String.init))
    rows.add(row.verdict)
    rows.add(row.expectedIntent)
    rows.add(row.actualIntent)
    row.body.withUnsafeBufferPointer { rows.add(utf8: $0) }
    rows.endRow()
  }

  /// Sends `case_results` and `run_threads` rows by `COPY`, inside the caller's transaction,
  /// each thread's events shared in `golden_threads` under its key (stored there by the first
  /// run that has them).
  ///
  /// The threads go by `COPY` into a temporary table, from there into `golden_threads`
  /// where their key is new; a key that holds other bytes (an FNV collision) keeps the
  /// thread's events in its own row.
  static func copy(
    cases: CopyRows, threads: [StoredRun.ThreadRow], run: String, connection: PostgresConnection
  ) throws {
    if cases.count > 0 {
      try connection.copy(
        """
        COPY case_results (run_id, position, case_id, thread, mode, step, seq, verdict,
          expected_intent, actual_intent, body) FROM STDIN
        """, cases.bytes)
    }
    guard !threads.isEmpty else { return }
    var candidates = CopyRows()
    for thread in threads {
      candidates.add(thread.key)
      thread.lines.withUnsafeBufferPointer { candidates.add(utf8: $0) }
      candidates.endRow()
    }
    try connection.query(
      """
      CREATE TEMPORARY TABLE IF NOT EXISTS refold_golden_batch (
        key text COLLATE "C" NOT NULL, events text COLLATE "C" NOT NULL
      ) ON COMMIT DELETE ROWS
      """)
    try connection.copy("COPY refold_golden_batch (key, events) FROM STDIN", candidates.bytes)
    try connection.query(
      """
      INSERT INTO golden_threads (key, events)
      SELECT DISTINCT ON (key) key, events FROM refold_golden_batch
      ON CONFLICT (key) DO NOTHING
      """)
    let collided = Set(
      try connection.query(
        """
        SELECT DISTINCT batch.key FROM refold_golden_batch batch
        JOIN golden_threads stored ON stored.key = batch.key
        WHERE stored.events <> batch.events
        """
      ).rows.compactMap { $0[0] })
    try connection.query("TRUNCATE refold_golden_batch")
    var rows = CopyRows()
    for thread in threads {
      let shared = !collided.contains(thread.key)
      rows.add(run)
      rows.add(thread.thread)
      if shared {
        rows.add("")
        rows.add(thread.key)
      } else {
        thread.lines.withUnsafeBufferPointer { rows.add(utf8: $0) }
        rows.add(nil)
      }
      rows.endRow()
    }
    try connection.copy(
      "COPY run_threads (run_id, thread, events, golden) FROM STDIN", rows.bytes)
  }

  /// Deletes the runs being written whose writers abandoned them (``PendingRun``), with
  /// their rows; inside the caller's transaction.
  static func removeAbandoned(_ connection: PostgresConnection) throws {
    let rows = try connection.query(
      """
      SELECT id, pending, pending_host, pending_pid,
        extract(epoch FROM now())::bigint - coalesce(pending_heartbeat, 0)
      FROM runs WHERE pending IS NOT NULL
      """
    ).rows
    for row in rows
    where PendingRun.isAbandoned(
      host: row[2], pid: row[3].flatMap { Int($0) }, age: row[4].flatMap { Int($0) } ?? 0)
    {
      try connection.query(
        "DELETE FROM runs WHERE id = $1 AND pending = $2", [row[0] ?? "", row[1] ?? ""])
    }
  }

  /// The run with this id, its cases and threads read back from their rows (or, for a run
  /// whose cases are in its JSON, from there).
  public func run(id: String) throws -> RunResults? {
    let decoder = JSONDecoder()
    return try connection.withLock {
      try connection.transaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") {
        guard
          let text = try connection.query(
            "SELECT results FROM runs WHERE id = $1 AND pending IS NULL", [id]
          )
          .rows.first?[0]
        else { return nil }
        var results = try Self.decode(RunResults.self, text, run: id, decoder: decoder)
        let stored = try connection.query(
          """
          SELECT body FROM case_results WHERE run_id = $1 AND body IS NOT NULL
          ORDER BY position
          """, [id]
        ).rows.map { row in
          try Self.decode(CaseResult.self, row[0] ?? "", run: id, decoder: decoder)
        }
        if !stored.isEmpty { results.cases = stored }
        var map: [String: [Event]] = [:]
        for row in try connection.query(
          """
          SELECT run_threads.thread, coalesce(golden_threads.events, run_threads.events)
          FROM run_threads LEFT JOIN golden_threads ON golden_threads.key = run_threads.golden
          WHERE run_threads.run_id = $1
          """, [id]
        ).rows {
          let thread = row[0] ?? ""
          map[thread] = try Self.events(row[1] ?? "", run: id, thread: thread)
        }
        if !map.isEmpty { results.threads = map }
        return results
      }
    }
  }

  /// The run's outline from its `runs` row and its `case_results` columns, in case order: no
  /// case body is decoded and no golden thread read.
  public func outline(id: String) throws -> RunOutline? {
    let decoder = JSONDecoder()
    return try connection.withLock {
      try connection.transaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") {
        () throws -> RunOutline? in
        guard
          let head = try connection.query(
            "SELECT info, summary FROM runs WHERE id = $1 AND pending IS NULL", [id]
          ).rows.first
        else { return nil }
        let cases = try connection.query(
          """
          SELECT case_id, thread, mode, step, verdict, expected_intent, actual_intent
          FROM case_results WHERE run_id = $1 ORDER BY position
          """, [id]
        ).rows.map { row in
          let text = row[4] ?? ""
          guard let verdict = CaseResult.Verdict(rawValue: text) else {
            throw PostgresError.corruptRow(
              table: "case_results", detail: "run \(id): unknown verdict \"\(text)\"")
          }
          return CaseOutline(
            id: row[0] ?? "", thread: row[1] ?? "", mode: row[2] ?? "",
            step: row[3].flatMap { Int($0) }, verdict: verdict, expected: row[5], actual: row[6])
        }
        return RunOutline(
          run: try Self.decode(RunInfo.self, head[0] ?? "", run: id, decoder: decoder),
          summary: try Self.decode(RunSummary.self, head[1] ?? "", run: id, decoder: decoder),
          cases: cases)
      }
    }
  }

  public func runs(suite: String) throws -> [RunRecord] {
    try records(where: "WHERE suite = $1 AND pending IS NULL", binding: [suite])
  }

  /// Every stored run, oldest first, with its summary.
  public func allRuns() throws -> [RunRecord] {
    try records(where: "WHERE pending IS NULL", binding: [])
  }

  /// The ids of every stored run, in the order they were stored.
  public func runIDs() throws -> [String] {
    try connection.withLock {
      try connection.query("SELECT id FROM runs WHERE pending IS NULL ORDER BY stored_order")
        .rows.map { $0[0] ?? "" }
    }
  }

  private func records(where clause: String, binding: [String?]) throws -> [RunRecord] {
    let rows = try connection.withLock {
      try connection.query(
        """
        SELECT id, info, summary, results::jsonb -> 'gate' ->> 'verdict', scope FROM runs
        \(clause)
        ORDER BY started_at, stored_order
        """, binding
      ).rows
    }
    let decoder = JSONDecoder()
    return try rows.map { row in
      let id = row[0] ?? ""
      var info = try Self.decode(RunInfo.self, row[1] ?? "", run: id, decoder: decoder)
      // The column is what queries read; a run's info carries the same scope.
      if let scope = row[4] { info.scope = RunInfo.Scope(rawValue: scope) ?? info.scope }
      return RunRecord(
        info: info,
        summary: try Self.decode(RunSummary.self, row[2] ?? "", run: id, decoder: decoder),
        verdict: row[3].flatMap(RunGate.Verdict.init(rawValue:)))
    }
  }

  /// The events of a stored thread's JSONL.
  private static func events(_ text: String, run: String, thread: String) throws -> [Event] {
    var events: [Event] = []
    for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
      do {
        let parsed = try EventLine.parse(String(line))
        events.append(parsed.event(seq: parsed.seq ?? events.count))
      } catch {
        throw PostgresError.corruptRow(
          table: "run_threads", detail: "run \(run) thread \(thread): \(error.reason)")
      }
    }
    return events
  }

  private static func decode<Value: Decodable>(
    _ type: Value.Type, _ text: String, run: String, decoder: JSONDecoder
  ) throws -> Value {
    do {
      return try decoder.decode(type, from: Data(text.utf8))
    } catch {
      throw PostgresError.corruptRow(table: "runs", detail: "run \(run): \(SystemReason.of(error))")
    }
  }
}
