import Foundation
import RefoldCore
import RefoldShared
import Synchronization

/// The rows of one run that a ``StreamingRunWriter`` writes into a PostgreSQL store: its
/// pending `runs` row, then its `case_results` and `run_threads` rows a batch at a time (by
/// `COPY`), then its head.
///
/// Created by ``PostgresRunStore/writer(for:)``, which inserts the pending row (marked with
/// ``PendingRun``: readers skip it, its id is taken). Each batch is one transaction that
/// first marks the run alive, so a batch never lands on a run another writer removed as
/// abandoned.
final class PostgresRunRows: RunRowSink {
  private let connection: PostgresConnection
  private let id: String
  private let pending: PendingRun
  /// The position of the next case (the writer's thread alone writes batches).
  private let nextPosition = Mutex(0)

  init(connection: PostgresConnection, id: String, pending: PendingRun) {
    self.connection = connection
    self.id = id
    self.pending = pending
  }

  func write(_ threads: [ThreadCases]) throws {
    let first = nextPosition.withLock { $0 }
    var cases = CopyRows()
    var kept: [StoredRun.ThreadRow] = []
    var position = first
    for thread in threads {
      for (index, result) in thread.cases.enumerated() {
        PostgresRunStore.add(
          StoredRun.CaseRow(result, body: try thread.encodedCase(index)), run: id, at: position,
          to: &cases)
        position += 1
      }
      if !thread.events.isEmpty {
        kept.append(thread.threadRow)
      }
    }
    try connection.withLock {
      try connection.transaction {
        try markAlive()
        try PostgresRunStore.copy(
          cases: cases, threads: kept, run: id, connection: connection)
      }
    }
    nextPosition.withLock { $0 = position }
  }

  func heartbeat() throws {
    try connection.withLock {
      try connection.transaction { try markAlive() }
    }
  }

  func finish(_ head: RunResults) throws {
    var results = head
    results.cases = []
    results.threads = nil
    let row = try StoredRun(results)
    let run = head.run
    try connection.withLock {
      try connection.transaction {
        try ownRow()
        try connection.query(
          """
          UPDATE runs SET suite = $1, variant = $2, started_at = $3, finished_at = $4,
            git_commit = $5, model_source = $6, info = $7, summary = $8, results = $9,
            scope = $10, pending = NULL, pending_host = NULL, pending_pid = NULL,
            pending_heartbeat = NULL
          WHERE id = $11 AND pending = $12
          """,
          [
            run.suite, run.variant, run.startedAt, run.finishedAt, run.gitCommit,
            run.modelSource, row.info, row.summary, row.head, run.scope?.rawValue, id,
            pending.token,
          ])
      }
    }
  }

  func abandon() {
    _ = try? connection.withLock {
      try connection.query("DELETE FROM runs WHERE id = $1 AND pending = $2", [id, pending.token])
    }
  }

  /// Marks the pending run alive; throws when it is no longer this writer's.
  private func markAlive() throws {
    let updated = try connection.query(
      """
      UPDATE runs SET pending_heartbeat = extract(epoch FROM now())::bigint
      WHERE id = $1 AND pending = $2 RETURNING 1
      """, [id, pending.token])
    if updated.isEmpty { try ownRow() }
  }

  /// Throws unless the run's row is this writer's pending row.
  private func ownRow() throws {
    let rows = try connection.query(
      "SELECT pending FROM runs WHERE id = $1 FOR UPDATE", [id]
    ).rows
    guard let row = rows.first else { throw PostgresError.runAbandoned(id) }
    guard row[0] == pending.token else { throw PostgresError.runExists(id) }
  }
}
