import CSQLite
import RefoldCore
import RefoldShared

/// Applies event lines to the database inside an open transaction: the append rules of
/// ``SQLiteEventStore`` in one place, for batch appends and for streaming imports.
///
/// It remembers each touched thread's next `seq` and last event, and writes the thread rows
/// once in ``finish()``; memory grows with the number of threads, not of events.
struct EventAppender {
  /// What happened to one line.
  enum Outcome {
    case written(Event)
    case skipped
  }

  private struct Cursor {
    var nextSeq: Int
    var lastType: String?
    var lastAt: String?
    var changed = false
  }

  private let connection: SQLiteConnection
  private var cursors: [String: Cursor] = [:]
  /// The cursor of the thread appended to last, not yet stored in `cursors`: lines of one
  /// thread usually come together, and this spares hashing the thread twice a line.
  private var recent: (thread: String, cursor: Cursor)?
  /// Canonical `data` and `meta` of the line being appended, reused from line to line.
  private var dataBytes: [UInt8] = []
  private var metaBytes: [UInt8] = []
  /// The insert statement, prepared on first use.
  private var insert: SQLiteStatement?

  init(connection: SQLiteConnection) {
    self.connection = connection
    dataBytes.reserveCapacity(512)
  }

  static let insertSQL =
    "INSERT INTO events (thread, seq, id, type, data, at, meta) VALUES (?, ?, ?, ?, ?, ?, ?)"
  static let lookupIDSQL =
    "SELECT seq, type, data, at, meta FROM events WHERE thread = ? AND id = ?"
  static let lookupSeqSQL =
    "SELECT id, type, data, at, meta FROM events WHERE thread = ? AND seq = ?"
  static let threadSQL = "SELECT event_count, last_type, last_at FROM threads WHERE thread = ?"

  /// The number of threads lines were appended to or skipped in.
  var threadCount: Int {
    guard let recent, cursors[recent.thread] == nil else { return cursors.count }
    return cursors.count + 1
  }

  /// The next `seq` of `thread` as this transaction sees it.
  mutating func nextSeq(of thread: String) throws -> Int {
    try cursor(of: thread).nextSeq
  }

  private mutating func cursor(of thread: String) throws -> Cursor {
    if let recent, recent.thread == thread { return recent.cursor }
    settle()
    if let cursor = cursors[thread] {
      recent = (thread, cursor)
      return cursor
    }
    let statement = try connection.prepare(Self.threadSQL)
    defer { statement.reset() }
    statement.bind(thread, at: 1)
    let cursor =
      try statement.step()
      ? Cursor(
        nextSeq: statement.int(at: 0), lastType: statement.string(at: 1),
        lastAt: statement.string(at: 2))
      : Cursor(nextSeq: 0)
    recent = (thread, cursor)
    return cursor
  }

  /// Stores the recent cursor in `cursors`.
  private mutating func settle() {
    if let recent { cursors[recent.thread] = recent.cursor }
    recent = nil
  }

  /// Applies one line: skips it when its `id` is stored with the same content, or when it has
  /// no `id` and its `seq` holds an id-less event with the same content; checks its `seq`,
  /// inserts it.
  ///
  /// `canonicalData`, when given, are the canonical JSON bytes of `line.data` (as the line
  /// wrote them), stored as they are instead of being written anew.
  mutating func append(_ line: EventLine, canonicalData: UnsafeBufferPointer<UInt8>? = nil)
    throws -> Outcome
  {
    var cursor = try cursor(of: line.thread)
    dataBytes.removeAll(keepingCapacity: true)
    if let canonicalData {
      dataBytes.append(contentsOf: canonicalData)
    } else {
      line.data.writeCanonical(into: &dataBytes)
    }
    if let value = line.meta {
      metaBytes.removeAll(keepingCapacity: true)
      value.writeCanonical(into: &metaBytes)
    }
    if let id = line.id,
      try storedMatch(line, id: id, data: dataBytes, meta: line.meta == nil ? nil : metaBytes)
    {
      return .skipped
    }
    let seq = cursor.nextSeq
    if let given = line.seq, given != seq {
      if line.id == nil, given < seq,
        try storedDuplicate(
          line, seq: given, data: dataBytes, meta: line.meta == nil ? nil : metaBytes)
      {
        return .skipped
      }
      throw EventStoreError.versionConflict(thread: line.thread, expected: given, actual: seq)
    }
    // Every parameter is bound on every use, and `run` resets, so the cached statement is
    // reused as it is.
    let insert = try self.insert ?? connection.prepare(Self.insertSQL)
    self.insert = insert
    insert.bind(line.thread, at: 1)
    insert.bind(seq, at: 2)
    insert.bind(line.id, at: 3)
    insert.bind(line.type, at: 4)
    insert.bind(utf8: dataBytes, at: 5)
    insert.bind(line.at, at: 6)
    if line.meta != nil {
      insert.bind(utf8: metaBytes, at: 7)
    } else {
      insert.bind(nil as String?, at: 7)
    }
    do {
      try insert.run()
    } catch let error as StoreError {
      throw try constraintConflict(error, line: line, seq: seq)
    }
    cursor.nextSeq = seq + 1
    cursor.lastType = line.type
    if let at = line.at { cursor.lastAt = at }
    cursor.changed = true
    recent = (line.thread, cursor)
    return .written(line.event(seq: seq))
  }

  /// Whether `id` is already stored in the line's thread with the same content.
  ///
  /// - Throws: ``EventStoreError/idConflict(thread:id:)`` when it is stored with different
  ///   content.
  private func storedMatch(_ line: EventLine, id: String, data: [UInt8], meta: [UInt8]?) throws
    -> Bool
  {
    let lookup = try connection.prepare(Self.lookupIDSQL)
    defer { lookup.reset() }
    lookup.bind(line.thread, at: 1)
    lookup.bind(id, at: 2)
    guard try lookup.step() else { return false }
    let same =
      (line.seq == nil || line.seq == lookup.int(at: 0)) && lookup.string(at: 1) == line.type
      && lookup.withBytes(at: 2, { Array($0) }) == data && lookup.string(at: 3) == line.at
      && lookup.withBytes(at: 4, { Array($0) }) == meta
    if same { return true }
    throw EventStoreError.idConflict(thread: line.thread, id: id)
  }

  /// Whether the event stored at `seq` in the line's thread is an exact duplicate of the
  /// id-less line: no `id`, and the same type, data, time and meta.
  private func storedDuplicate(_ line: EventLine, seq: Int, data: [UInt8], meta: [UInt8]?)
    throws -> Bool
  {
    let lookup = try connection.prepare(Self.lookupSeqSQL)
    defer { lookup.reset() }
    lookup.bind(line.thread, at: 1)
    lookup.bind(seq, at: 2)
    guard try lookup.step() else { return false }
    return lookup.string(at: 0) == nil && lookup.string(at: 1) == line.type
      && lookup.withBytes(at: 2, { Array($0) }) == data && lookup.string(at: 3) == line.at
      && lookup.withBytes(at: 4, { Array($0) }) == meta
  }

  // The extended result codes are function-like macros in sqlite3.h, invisible to Swift.
  static let constraintPrimaryKey = SQLITE_CONSTRAINT | (6 << 8)
  static let constraintUnique = SQLITE_CONSTRAINT | (8 << 8)

  /// Maps a constraint failure (the backstop behind the `seq` check) to a contract error.
  private func constraintConflict(_ error: StoreError, line: EventLine, seq: Int) throws
    -> any Error
  {
    switch error.resultCode {
    case Self.constraintPrimaryKey:
      let statement = try connection.prepare(
        "SELECT coalesce(max(seq) + 1, 0) FROM events WHERE thread = ?")
      defer { statement.reset() }
      statement.bind(line.thread, at: 1)
      let actual = try statement.step() ? statement.int(at: 0) : seq
      return EventStoreError.versionConflict(thread: line.thread, expected: seq, actual: actual)
    case Self.constraintUnique:
      return EventStoreError.idConflict(thread: line.thread, id: line.id ?? "")
    default:
      return error
    }
  }

  /// Writes the thread rows of every thread this appender changed.
  mutating func finish() throws {
    settle()
    let upsert = try connection.prepare(
      """
      INSERT INTO threads (thread, event_count, last_type, last_at) VALUES (?, ?, ?, ?)
      ON CONFLICT (thread) DO UPDATE SET event_count = excluded.event_count,
        last_type = excluded.last_type, last_at = excluded.last_at
      """)
    for (thread, cursor) in cursors where cursor.changed {
      upsert.reset()
      upsert.bind(thread, at: 1)
      upsert.bind(cursor.nextSeq, at: 2)
      upsert.bind(cursor.lastType, at: 3)
      upsert.bind(cursor.lastAt, at: 4)
      try upsert.run()
    }
    for thread in cursors.keys { cursors[thread]?.changed = false }
  }
}
