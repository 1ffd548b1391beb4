import RefoldCore
import RefoldShared

/// Applies event lines inside an open PostgreSQL transaction: the append rules of the SQLite
/// store (skip a stored `id` with the same content, skip an id-less exact duplicate at its
/// `seq`, check a given `seq`), with the `(thread, seq)` key as the arbiter between writers.
///
/// A key another writer took first surfaces as ``Race``, which ``PostgresEventStore`` answers
/// by running the whole append again on what that writer committed.
struct PostgresEventAppender {
  /// What happened to one line.
  enum Outcome {
    case written(Event)
    case skipped
  }

  /// Another transaction took a `(thread, seq)` or `(thread, id)` key first (or PostgreSQL
  /// chose this one to break a deadlock); the transaction is aborted.
  struct Race: Error {}

  private struct Cursor {
    var nextSeq: Int
    var lastType: String?
    var lastAt: String?
    var changed = false
  }

  private let connection: PostgresConnection
  private var cursors: [String: Cursor] = [:]

  init(connection: PostgresConnection) {
    self.connection = connection
  }

  /// The next `seq` of `thread` as this transaction sees it.
  mutating func nextSeq(of thread: String) throws -> Int {
    try cursor(of: thread).nextSeq
  }

  private mutating func cursor(of thread: String) throws -> Cursor {
    if let cursor = cursors[thread] { return cursor }
    let rows = try connection.query(
      "SELECT event_count, last_type, last_at FROM threads WHERE thread = $1", [thread]
    ).rows
    let cursor =
      rows.first.map {
        Cursor(nextSeq: $0[0].flatMap { Int($0) } ?? 0, lastType: $0[1], lastAt: $0[2])
      } ?? Cursor(nextSeq: 0)
    cursors[thread] = cursor
    return cursor
  }

  /// Applies one line: skips, checks its `seq`, or inserts it.
  mutating func append(_ line: EventLine) throws -> Outcome {
    var cursor = try cursor(of: line.thread)
    let data = line.data.canonicalString
    let meta = line.meta?.canonicalString
    if let id = line.id, try storedMatch(line, id: id, data: data, meta: meta) {
      return .skipped
    }
    let seq = cursor.nextSeq
    if let given = line.seq, given != seq {
      if line.id == nil, given < seq, try storedDuplicate(line, seq: given, data: data, meta: meta)
      {
        return .skipped
      }
      throw EventStoreError.versionConflict(thread: line.thread, expected: given, actual: seq)
    }
    do {
      try connection.query(
        """
        INSERT INTO events (thread, seq, id, type, data, at, meta)
        VALUES ($1, $2::bigint, $3, $4, $5, $6, $7)
        """,
        [line.thread, String(seq), line.id, line.type, data, line.at, meta])
    } catch PostgresError.query(let state, _, _) where Self.raceStates.contains(state) {
      throw Race()
    }
    cursor.nextSeq = seq + 1
    cursor.lastType = line.type
    if let at = line.at { cursor.lastAt = at }
    cursor.changed = true
    cursors[line.thread] = cursor
    return .written(line.event(seq: seq))
  }

  /// Unique violation, serialization failure, deadlock: another writer won.
  static let raceStates: Set<String> = [PostgresError.uniqueViolation, "40001", "40P01"]

  /// Whether `id` is already stored in the line's thread with the same content.
  ///
  /// - Throws: ``EventStoreError/idConflict(thread:id:)`` when it is stored with different
  ///   content.
  private func storedMatch(_ line: EventLine, id: String, data: String, meta: String?) throws
    -> Bool
  {
    let rows = try connection.query(
      "SELECT seq, type, data, at, meta FROM events WHERE thread = $1 AND id = $2",
      [line.thread, id]
    ).rows
    guard let row = rows.first else { return false }
    let same =
      (line.seq == nil || line.seq == row[0].flatMap { Int($0) }) && row[1] == line.type
      && row[2] == data && row[3] == line.at && row[4] == meta
    if same { return true }
    throw EventStoreError.idConflict(thread: line.thread, id: id)
  }

  /// Whether the event stored at `seq` is an exact duplicate of the id-less line.
  private func storedDuplicate(_ line: EventLine, seq: Int, data: String, meta: String?) throws
    -> Bool
  {
    let rows = try connection.query(
      "SELECT id, type, data, at, meta FROM events WHERE thread = $1 AND seq = $2::bigint",
      [line.thread, String(seq)]
    ).rows
    guard let row = rows.first else { return false }
    return row[0] == nil && row[1] == line.type && row[2] == data && row[3] == line.at
      && row[4] == meta
  }

  /// Writes the thread rows of every thread this appender changed.
  mutating func finish() throws {
    for (thread, cursor) in cursors.sorted(by: { $0.key < $1.key }) where cursor.changed {
      do {
        try connection.query(
          """
          INSERT INTO threads (thread, event_count, last_type, last_at)
          VALUES ($1, $2::bigint, $3, $4)
          ON CONFLICT (thread) DO UPDATE SET event_count = excluded.event_count,
            last_type = excluded.last_type, last_at = excluded.last_at
          """,
          [thread, String(cursor.nextSeq), cursor.lastType, cursor.lastAt])
      } catch PostgresError.query(let state, _, _) where Self.raceStates.contains(state) {
        throw Race()
      }
      cursors[thread]?.changed = false
    }
  }
}
