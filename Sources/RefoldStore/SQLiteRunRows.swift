import Foundation
import RefoldCore
import RefoldShared

/// The rows of one run that a ``StreamingRunWriter`` writes into an SQLite store: its
/// pending `runs` row, then its `case_results` and `run_threads` rows a batch at a time,
/// then its head.
///
/// Created by ``SQLiteRunStore/writer(for:)``, which inserts the pending row (marked with
/// ``PendingRun``: readers skip it, its id is taken). Each batch is one `BEGIN IMMEDIATE`
/// transaction that first marks the run alive, so a batch never lands on a run another
/// writer removed as abandoned.
final class SQLiteRunRows: RunRowSink {
  private let database: RefoldDatabase
  private let id: String
  private let pending: PendingRun

  init(database: RefoldDatabase, id: String, pending: PendingRun) {
    self.database = database
    self.id = id
    self.pending = pending
  }

  func write(_ threads: [ThreadCases]) throws {
    // Encoded before the transaction: the lock is held for the inserts alone.
    var cases: [StoredRun.CaseRow] = []
    cases.reserveCapacity(threads.reduce(0) { $0 + $1.cases.count })
    var kept: [StoredRun.ThreadRow] = []
    for thread in threads {
      for (index, result) in thread.cases.enumerated() {
        cases.append(StoredRun.CaseRow(result, body: try thread.encodedCase(index)))
      }
      if !thread.events.isEmpty {
        kept.append(thread.threadRow)
      }
    }
    try database.withConnection { connection in
      try connection.transaction {
        try markAlive(connection)
        try SQLiteRunStore.insert(cases: cases, run: id, connection: connection)
        try SQLiteRunStore.insert(threads: kept, run: id, connection: connection)
      }
    }
  }

  func heartbeat() throws {
    try database.withConnection { connection in
      try connection.transaction { try markAlive(connection) }
    }
  }

  func finish(_ head: RunResults) throws {
    var results = head
    results.cases = []
    results.threads = nil
    let row = try StoredRun(results)
    let run = head.run
    try database.withConnection { connection in
      try connection.transaction {
        try ownRow(connection)
        let update = try connection.prepare(
          """
          UPDATE runs SET suite = ?, variant = ?, started_at = ?, finished_at = ?,
            git_commit = ?, model_source = ?, info = ?, summary = ?, results = ?, scope = ?,
            pending = NULL, pending_host = NULL, pending_pid = NULL, pending_heartbeat = NULL
          WHERE id = ? AND pending = ?
          """)
        update.bind(run.suite, at: 1)
        update.bind(run.variant, at: 2)
        update.bind(run.startedAt, at: 3)
        update.bind(run.finishedAt, at: 4)
        update.bind(run.gitCommit, at: 5)
        update.bind(run.modelSource, at: 6)
        update.bind(row.info, at: 7)
        update.bind(row.summary, at: 8)
        update.bind(row.head, at: 9)
        update.bind(run.scope?.rawValue, at: 10)
        update.bind(id, at: 11)
        update.bind(pending.token, at: 12)
        try update.run()
      }
    }
  }

  func abandon() {
    _ = try? database.withConnection { connection in
      try connection.transaction {
        let delete = try connection.prepare("DELETE FROM runs WHERE id = ? AND pending = ?")
        delete.bind(id, at: 1)
        delete.bind(pending.token, at: 2)
        try delete.run()
      }
    }
  }

  /// Marks the pending run alive; throws when it is no longer this writer's.
  private func markAlive(_ connection: SQLiteConnection) throws {
    let update = try connection.prepare(
      "UPDATE runs SET pending_heartbeat = strftime('%s', 'now') WHERE id = ? AND pending = ?")
    update.bind(id, at: 1)
    update.bind(pending.token, at: 2)
    try update.run()
    if connection.changes == 0 { try ownRow(connection) }
  }

  /// Throws unless the run's row is this writer's pending row.
  private func ownRow(_ connection: SQLiteConnection) throws {
    let select = try connection.prepare("SELECT pending FROM runs WHERE id = ?")
    defer { select.reset() }
    select.bind(id, at: 1)
    guard try select.step() else { throw StoreError.runAbandoned(id) }
    guard select.string(at: 0) == pending.token else { throw StoreError.runExists(id) }
  }
}
