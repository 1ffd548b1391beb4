import Foundation
import RefoldCore
import RefoldShared

/// The ``EventStore`` on SQLite: the durable home of recorded threads.
///
/// Events are rows keyed by `(thread, seq)` with a unique `(thread, id)`; `data` and `meta`
/// are stored as canonical JSON text. A `threads` table keeps each thread's event count, so
/// an append checks one row. Every append runs in a `BEGIN IMMEDIATE` transaction that checks
/// `seq` after taking the write lock, so of two writers racing for the same position (in one
/// process or two) one wins and the other gets
/// ``EventStoreError/versionConflict(thread:expected:actual:)``; the primary key is the
/// backstop. Contract errors are ``EventStoreError``; storage failures are ``StoreError``.
///
/// ```swift
/// let store = try SQLiteEventStore(path: ".refold/refold.sqlite")
/// try store.append([EventLine(thread: "deploy-001", type: "slack_message", data: [:])])
/// ```
public final class SQLiteEventStore: StreamingEventStore {
  /// The database this store reads and writes.
  public let database: RefoldDatabase
  /// The reducer that folds each thread for ``threads()`` (vocabulary and policy).
  public let reducer: ThreadReducer

  /// A store on a shared database.
  public init(database: RefoldDatabase, reducer: ThreadReducer = ThreadReducer()) {
    self.database = database
    self.reducer = reducer
  }

  /// Opens (creating directories and schema as needed) the database at `path`.
  public convenience init(path: String, reducer: ThreadReducer = ThreadReducer()) throws {
    self.init(database: try RefoldDatabase(path: path), reducer: reducer)
  }

  @discardableResult
  public func append(_ lines: [EventLine]) throws -> AppendResult {
    try database.withConnection { connection in
      try connection.transaction {
        var appender = EventAppender(connection: connection)
        var result = AppendResult()
        for line in lines {
          switch try appender.append(line) {
          case .written(let event): result.written.append(event)
          case .skipped: result.skipped += 1
          }
        }
        try appender.finish()
        return result
      }
    }
  }

  @discardableResult
  public func append(_ lines: [EventLine], to thread: String, expectedNextSeq: Int) throws
    -> [Event]
  {
    try database.withConnection { connection in
      try connection.transaction {
        var appender = EventAppender(connection: connection)
        let actual = try appender.nextSeq(of: thread)
        guard actual == expectedNextSeq else {
          throw EventStoreError.versionConflict(
            thread: thread, expected: expectedNextSeq, actual: actual)
        }
        var written: [Event] = []
        for var line in lines {
          line.thread = thread
          if case .written(let event) = try appender.append(line) { written.append(event) }
        }
        try appender.finish()
        return written
      }
    }
  }

  /// Appends lines produced one at a time, in one transaction: all or nothing.
  ///
  /// `body` calls `append` for each line; nothing is kept in memory but per-thread counters,
  /// so this is how large files are imported. An error thrown by `append` or by `body` rolls
  /// everything back.
  ///
  /// ```swift
  /// let counts = try store.appendStreaming { append in
  ///   for line in lines { try append(line) }
  /// }
  /// ```
  public func appendStreaming(
    _ body: (_ append: (EventLine) throws -> AppendOutcome) throws -> Void
  ) throws -> AppendCounts {
    try appendStreamingCanonical { append in
      // `append` is only called while `body` runs, inside this call.
      try withoutActuallyEscaping(append) { append in
        try body { line in try append(line, nil) }
      }
    }
  }

  /// ``appendStreaming(_:)`` where each line may come with the canonical JSON bytes of its
  /// `data`, stored as they are (see ``EventLine/parse(bytes:canonicalData:)``).
  public func appendStreamingCanonical(
    _ body: (_ append: (EventLine, UnsafeBufferPointer<UInt8>?) throws -> AppendOutcome) throws
      -> Void
  ) throws -> AppendCounts {
    try database.withConnection { connection in
      try connection.transaction {
        var appender = EventAppender(connection: connection)
        var counts = AppendCounts()
        try body { line, canonicalData in
          switch try appender.append(line, canonicalData: canonicalData) {
          case .written(let event):
            counts.written += 1
            return .written(seq: event.seq)
          case .skipped:
            counts.skipped += 1
            return .skipped
          }
        }
        try appender.finish()
        counts.threads = appender.threadCount
        return counts
      }
    }
  }

  public func events(in thread: String) throws -> [Event] {
    var events: [Event] = []
    try forEachEvent(in: thread) { events.append($0) }
    return events
  }

  /// Calls `body` with each event of `thread` in `seq` order, without building an array.
  public func forEachEvent(in thread: String, _ body: (Event) throws -> Void) throws {
    try database.withConnection { connection in
      let statement = try connection.prepare(
        "SELECT thread, seq, id, type, data, at, meta FROM events WHERE thread = ? ORDER BY seq")
      defer { statement.reset() }
      statement.bind(thread, at: 1)
      while try statement.step() {
        try body(try Self.event(from: statement))
      }
    }
  }

  /// The number of events in `thread` (its next `seq`); 0 when it does not exist.
  public func eventCount(in thread: String) throws -> Int {
    try database.withConnection { connection in
      let statement = try connection.prepare(
        "SELECT event_count FROM threads WHERE thread = ?")
      defer { statement.reset() }
      statement.bind(thread, at: 1)
      return try statement.step() ? statement.int(at: 0) : 0
    }
  }

  /// Whether the store holds `thread` (possibly empty, after a fork at 0).
  public func containsThread(_ thread: String) throws -> Bool {
    try database.withConnection { connection in
      let statement = try connection.prepare("SELECT 1 FROM threads WHERE thread = ?")
      defer { statement.reset() }
      statement.bind(thread, at: 1)
      return try statement.step()
    }
  }

  /// The total number of events in the store.
  public func totalEventCount() throws -> Int {
    try database.withConnection { connection in
      let statement = try connection.prepare("SELECT coalesce(sum(event_count), 0) FROM threads")
      defer { statement.reset() }
      return try statement.step() ? statement.int(at: 0) : 0
    }
  }

  public func threads() throws -> [ThreadSummary] {
    var summaries: [ThreadSummary] = []
    try forEachThreadSummary { summaries.append($0) }
    return summaries
  }

  /// Calls `body` with each thread's summary in thread order, from one pass over the
  /// threads and one over the events, in one read transaction (so the list and the events
  /// agree): time linear in the store, memory for one thread's events.
  public func forEachThreadSummary(_ body: (ThreadSummary) throws -> Void) throws {
    try database.withConnection { connection in
      try connection.execute("BEGIN")
      defer { try? connection.execute("COMMIT") }
      let list = try connection.prepare(
        "SELECT thread, event_count, last_type, last_at FROM threads ORDER BY thread")
      defer { list.reset() }
      let rows = try connection.prepare(
        "SELECT thread, seq, id, type, data, at, meta FROM events ORDER BY thread, seq")
      defer { rows.reset() }
      // Both run in thread order; every event's thread has a row (a foreign key).
      var more = try rows.step()
      while try list.step() {
        let thread = list.string(at: 0) ?? ""
        var events: [Event] = []
        events.reserveCapacity(list.int(at: 1))
        while more, rows.string(at: 0) == thread {
          events.append(try Self.event(from: rows))
          more = try rows.step()
        }
        try body(
          ThreadSummary(
            thread: thread, eventCount: events.count, state: reducer.fold(events),
            lastType: list.string(at: 2), lastAt: list.string(at: 3)))
      }
    }
  }

  /// Calls `body` with every event of the store, in thread order and `seq` order within a
  /// thread, from one query.
  public func forEachEvent(_ body: (Event) throws -> Void) throws {
    try database.withConnection { connection in
      let statement = try connection.prepare(
        "SELECT thread, seq, id, type, data, at, meta FROM events ORDER BY thread, seq")
      defer { statement.reset() }
      while try statement.step() {
        try body(try Self.event(from: statement))
      }
    }
  }

  @discardableResult
  public func fork(_ thread: String, at count: Int, as newThread: String) throws -> [Event] {
    try database.withConnection { connection in
      try connection.transaction {
        let lookup = try connection.prepare("SELECT event_count FROM threads WHERE thread = ?")
        lookup.bind(thread, at: 1)
        guard try lookup.step() else { throw EventStoreError.unknownThread(thread) }
        let available = lookup.int(at: 0)
        lookup.reset()
        lookup.bind(newThread, at: 1)
        let exists = try lookup.step()
        lookup.reset()
        guard !exists else { throw EventStoreError.threadExists(newThread) }
        guard count >= 0, count <= available else {
          throw EventStoreError.invalidFork(thread: thread, count: count, available: available)
        }
        let copy = try connection.prepare(
          """
          INSERT INTO events (thread, seq, id, type, data, at, meta)
          SELECT ?, seq, id, type, data, at, meta FROM events WHERE thread = ? AND seq < ?
          ORDER BY seq
          """)
        copy.bind(newThread, at: 1)
        copy.bind(thread, at: 2)
        copy.bind(count, at: 3)
        try copy.run()
        let read = try connection.prepare(
          "SELECT thread, seq, id, type, data, at, meta FROM events WHERE thread = ? ORDER BY seq")
        defer { read.reset() }
        read.bind(newThread, at: 1)
        var events: [Event] = []
        while try read.step() { events.append(try Self.event(from: read)) }
        let insert = try connection.prepare(
          "INSERT INTO threads (thread, event_count, last_type, last_at) VALUES (?, ?, ?, ?)")
        insert.bind(newThread, at: 1)
        insert.bind(events.count, at: 2)
        insert.bind(events.last?.type, at: 3)
        insert.bind(events.last(where: { $0.at != nil })?.at, at: 4)
        try insert.run()
        return events
      }
    }
  }

  /// Decodes the current row of `SELECT thread, seq, id, type, data, at, meta`.
  static func event(from statement: SQLiteStatement) throws -> Event {
    let thread = statement.string(at: 0) ?? ""
    let seq = statement.int(at: 1)
    let data = try json(statement, column: 4, thread: thread, seq: seq) ?? .null
    let meta = try json(statement, column: 6, thread: thread, seq: seq)
    return Event(
      thread: thread, seq: seq, type: statement.string(at: 3) ?? "", data: data,
      at: statement.string(at: 5), id: statement.string(at: 2), meta: meta)
  }

  private static func json(_ statement: SQLiteStatement, column: Int32, thread: String, seq: Int)
    throws -> JSONValue?
  {
    do {
      return try statement.withBytes(at: column) { bytes throws(JSONParser.Failure) in
        try JSONParser.parse(bytes: bytes)
      }
    } catch {
      throw StoreError.corruptRow(
        table: "events", detail: "thread \"\(thread)\" seq \(seq): \(error)")
    }
  }
}
