import RefoldCore
import RefoldShared

/// Applies a stream of event lines inside an open PostgreSQL transaction with the append
/// rules of ``PostgresEventAppender``, sending the new rows by `COPY` in batches instead of
/// one `INSERT` each: how large files are imported.
///
/// Each touched thread's count is read once; a thread that already holds events has its
/// ids read once too (with a hash of each event's content), so a line's `id` is checked
/// without a round trip. A hash that matches is confirmed against the stored row before the
/// line is skipped. Lookups that need the rows themselves (an id-less line at a taken `seq`)
/// send the pending batch first, so the transaction sees every line before it. A key
/// another writer took first surfaces as ``PostgresEventAppender/Race``.
struct PostgresBulkAppender {
  private struct StoredID {
    var seq: Int
    var content: Int
  }

  private struct Cursor {
    var nextSeq: Int
    var lastType: String?
    var lastAt: String?
    var changed = false
    var ids: [String: StoredID] = [:]
  }

  /// Rows sent per `COPY`.
  static let batchRows = 20_000

  private let connection: PostgresConnection
  private var cursors: [String: Cursor] = [:]
  private var pending = CopyRows()

  init(connection: PostgresConnection) {
    self.connection = connection
  }

  /// The number of threads lines were appended to or skipped in.
  var threadCount: Int { cursors.count }

  private mutating func cursor(of thread: String) throws -> Cursor {
    if let cursor = cursors[thread] { return cursor }
    let rows = try connection.query(
      "SELECT event_count, last_type, last_at FROM threads WHERE thread = $1", [thread]
    ).rows
    guard let row = rows.first else { return Cursor(nextSeq: 0) }
    var cursor = Cursor(nextSeq: row[0].flatMap { Int($0) } ?? 0, lastType: row[1], lastAt: row[2])
    for stored in try connection.query(
      "SELECT id, seq, type, data, at, meta FROM events WHERE thread = $1 AND id IS NOT NULL",
      [thread]
    ).rows {
      cursor.ids[stored[0] ?? ""] = StoredID(
        seq: stored[1].flatMap { Int($0) } ?? 0,
        content: Self.content(
          type: stored[2] ?? "", data: stored[3] ?? "", at: stored[4], meta: stored[5]))
    }
    return cursor
  }

  private static func content(type: String, data: String, at: String?, meta: String?) -> Int {
    var hasher = Hasher()
    hasher.combine(type)
    hasher.combine(data)
    hasher.combine(at)
    hasher.combine(meta)
    return hasher.finalize()
  }

  /// Applies one line: skips it, checks its `seq`, or queues its row.
  mutating func append(_ line: EventLine, canonicalData: UnsafeBufferPointer<UInt8>?) throws
    -> AppendOutcome
  {
    var cursor = try cursor(of: line.thread)
    let data =
      canonicalData.map { String(decoding: $0, as: UTF8.self) } ?? line.data.canonicalString
    let meta = line.meta?.canonicalString
    let content = Self.content(type: line.type, data: data, at: line.at, meta: meta)
    if let id = line.id, let stored = cursor.ids[id] {
      guard line.seq == nil || line.seq == stored.seq, stored.content == content else {
        throw EventStoreError.idConflict(thread: line.thread, id: id)
      }
      try flush()
      let same = try connection.query(
        """
        SELECT 1 FROM events WHERE thread = $1 AND id = $2 AND type = $3 AND data = $4
          AND at IS NOT DISTINCT FROM $5 AND meta IS NOT DISTINCT FROM $6
        """, [line.thread, id, line.type, data, line.at, meta]
      )
      guard !same.isEmpty else { throw EventStoreError.idConflict(thread: line.thread, id: id) }
      cursors[line.thread] = cursor
      return .skipped
    }
    let seq = cursor.nextSeq
    if let given = line.seq, given != seq {
      if line.id == nil, given < seq {
        try flush()
        let rows = try connection.query(
          "SELECT id, type, data, at, meta FROM events WHERE thread = $1 AND seq = $2::bigint",
          [line.thread, String(given)]
        ).rows
        if let row = rows.first, row[0] == nil, row[1] == line.type, row[2] == data,
          row[3] == line.at, row[4] == meta
        {
          cursors[line.thread] = cursor
          return .skipped
        }
      }
      throw EventStoreError.versionConflict(thread: line.thread, expected: given, actual: seq)
    }
    pending.add(line.thread)
    pending.add(seq)
    pending.add(line.id)
    pending.add(line.type)
    pending.add(data)
    pending.add(line.at)
    pending.add(meta)
    pending.endRow()
    if let id = line.id { cursor.ids[id] = StoredID(seq: seq, content: content) }
    cursor.nextSeq = seq + 1
    cursor.lastType = line.type
    if let at = line.at { cursor.lastAt = at }
    cursor.changed = true
    cursors[line.thread] = cursor
    if pending.count >= Self.batchRows { try flush() }
    return .written(seq: seq)
  }

  /// Sends the queued rows.
  private mutating func flush() throws {
    guard pending.count > 0 else { return }
    try racing {
      try connection.copy(
        "COPY events (thread, seq, id, type, data, at, meta) FROM STDIN", pending.bytes)
    }
    pending.removeAll()
  }

  /// Sends the queued rows and writes the row of every thread this appender changed, all
  /// threads by one `COPY` into a temporary table and one upsert.
  mutating func finish() throws {
    try flush()
    var threads = CopyRows()
    for (thread, cursor) in cursors.sorted(by: { $0.key < $1.key }) where cursor.changed {
      threads.add(thread)
      threads.add(cursor.nextSeq)
      threads.add(cursor.lastType)
      threads.add(cursor.lastAt)
      threads.endRow()
    }
    guard threads.count > 0 else { return }
    try connection.query(
      """
      CREATE TEMPORARY TABLE refold_thread_rows (
        thread text COLLATE "C", event_count bigint, last_type text, last_at text
      ) ON COMMIT DROP
      """)
    try connection.copy(
      "COPY refold_thread_rows (thread, event_count, last_type, last_at) FROM STDIN",
      threads.bytes)
    try racing {
      try connection.query(
        """
        INSERT INTO threads (thread, event_count, last_type, last_at)
        SELECT thread, event_count, last_type, last_at FROM refold_thread_rows ORDER BY thread
        ON CONFLICT (thread) DO UPDATE SET event_count = excluded.event_count,
          last_type = excluded.last_type, last_at = excluded.last_at
        """)
    }
  }

  private func racing(_ body: () throws -> Void) throws {
    do {
      try body()
    } catch PostgresError.query(let state, _, _)
      where PostgresEventAppender.raceStates.contains(state)
    {
      throw PostgresEventAppender.Race()
    }
  }
}
