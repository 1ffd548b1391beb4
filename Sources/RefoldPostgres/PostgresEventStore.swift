import RefoldCore
import RefoldShared

/// The ``EventStore`` on PostgreSQL: one store for writers on many hosts.
///
/// The tables mirror the SQLite store's: `events` keyed by `(thread, seq)` with a unique
/// `(thread, id)`, and `threads` with each thread's event count. Appends are optimistic: a
/// transaction reads the thread's count, checks the lines against it and inserts them, and
/// the `(thread, seq)` key decides between writers racing for the same position. The loser's
/// transaction rolls back and runs again on what the winner committed, so it ends as it
/// would have on SQLite, where writers take turns: lines without a `seq` land after the
/// winner's (or are skipped, when their `id` is the winner's), and lines with a `seq` or an
/// `expectedNextSeq` get a clean ``EventStoreError/versionConflict(thread:expected:actual:)``.
/// Reads run in their own snapshot and never block writers.
///
/// ```swift
/// let store = try PostgresEventStore(url: "postgresql://refold@db.internal:5432/refold")
/// try store.append([EventLine(thread: "deploy-001", type: "slack_message", data: [:])])
/// ```
public final class PostgresEventStore: StreamingEventStore {
  /// The connection this store reads and writes through.
  public let connection: PostgresConnection
  /// The reducer that folds each thread for ``threads()`` (vocabulary and policy).
  public let reducer: ThreadReducer

  /// How many times an append runs again after losing a race before it gives up.
  static let raceAttempts = 1000

  /// A store on an open connection, migrated to the latest schema.
  public init(connection: PostgresConnection, reducer: ThreadReducer = ThreadReducer()) throws {
    try PostgresMigrations.migrate(connection)
    self.connection = connection
    self.reducer = reducer
  }

  /// Connects to `url` (a `postgresql://` URL) and migrates the schema as needed.
  public convenience init(url: String, reducer: ThreadReducer = ThreadReducer()) throws {
    try self.init(connection: PostgresConnection(url: url), reducer: reducer)
  }

  @discardableResult
  public func append(_ lines: [EventLine]) throws -> AppendResult {
    try writing { appender in
      var result = AppendResult()
      for line in lines {
        switch try appender.append(line) {
        case .written(let event): result.written.append(event)
        case .skipped: result.skipped += 1
        }
      }
      return result
    }
  }

  @discardableResult
  public func append(_ lines: [EventLine], to thread: String, expectedNextSeq: Int) throws
    -> [Event]
  {
    try writing { appender in
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
      return written
    }
  }

  /// Runs `body` and the thread rows in one transaction, again while it loses races.
  private func writing<T>(_ body: (inout PostgresEventAppender) throws -> T) throws -> T {
    try retryingRaces {
      var appender = PostgresEventAppender(connection: connection)
      let value = try body(&appender)
      try appender.finish()
      return value
    }
  }

  /// Runs `body` in a transaction, again (from the start) while it loses races.
  private func retryingRaces<T>(_ body: () throws -> T) throws -> T {
    try connection.withLock {
      var attempt = 0
      while true {
        attempt += 1
        do {
          return try connection.transaction("BEGIN", body)
        } catch is PostgresEventAppender.Race where attempt < Self.raceAttempts {
          continue
        } catch is PostgresEventAppender.Race {
          throw EventStoreError.storage(
            "an append to the PostgreSQL store at \(connection.host):\(connection.port) lost "
              + "\(attempt) races in a row to other writers")
        }
      }
    }
  }

  /// Appends lines produced one at a time, in one transaction, sending new rows by `COPY`
  /// in batches: how large files are imported.
  ///
  /// `body` runs again from its first line when the transaction loses a race to another
  /// writer of one of its threads.
  public func appendStreamingCanonical(
    _ body: (_ append: (EventLine, UnsafeBufferPointer<UInt8>?) throws -> AppendOutcome) throws
      -> Void
  ) throws -> AppendCounts {
    try retryingRaces {
      var appender = PostgresBulkAppender(connection: connection)
      var counts = AppendCounts()
      try body { line, canonicalData in
        let outcome = try appender.append(line, canonicalData: canonicalData)
        switch outcome {
        case .written: counts.written += 1
        case .skipped: counts.skipped += 1
        }
        return outcome
      }
      try appender.finish()
      counts.threads = appender.threadCount
      return counts
    }
  }

  public func containsThread(_ thread: String) throws -> Bool {
    try connection.withLock {
      try !connection.query("SELECT 1 FROM threads WHERE thread = $1", [thread]).isEmpty
    }
  }

  public func forEachEvent(in thread: String, _ body: (Event) throws -> Void) throws {
    for event in try events(in: thread) { try body(event) }
  }

  public func forEachEvent(_ body: (Event) throws -> Void) throws {
    try connection.withLock {
      try connection.transaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") {
        var after = ""
        while true {
          let names = try connection.query(
            "SELECT thread FROM threads WHERE thread > $1 ORDER BY thread LIMIT 100", [after]
          ).rows
          guard let last = names.last?[0] else { break }
          for row in try connection.query(
            """
            SELECT thread, seq, id, type, data, at, meta FROM events
            WHERE thread > $1 AND thread <= $2 ORDER BY thread, seq
            """, [after, last]
          ).rows {
            try body(try Self.event(from: row))
          }
          after = last
        }
      }
    }
  }

  /// Calls `body` with each thread's summary in thread order, from one read-only snapshot,
  /// reading the events of 100 threads at a time: memory for those threads' events.
  public func forEachThreadSummary(_ body: (ThreadSummary) throws -> Void) throws {
    try connection.withLock {
      try connection.transaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") {
        var after = ""
        while true {
          let list = try connection.query(
            """
            SELECT thread, last_type, last_at FROM threads WHERE thread > $1 ORDER BY thread
            LIMIT 100
            """, [after]
          ).rows
          guard let last = list.last?[0] else { break }
          var byThread: [String: [Event]] = [:]
          for row in try connection.query(
            """
            SELECT thread, seq, id, type, data, at, meta FROM events
            WHERE thread > $1 AND thread <= $2 ORDER BY thread, seq
            """, [after, last]
          ).rows {
            let event = try Self.event(from: row)
            byThread[event.thread, default: []].append(event)
          }
          for row in list {
            let thread = row[0] ?? ""
            let events = byThread[thread] ?? []
            try body(
              ThreadSummary(
                thread: thread, eventCount: events.count, state: reducer.fold(events),
                lastType: row[1], lastAt: row[2]))
          }
          after = last
        }
      }
    }
  }

  public func events(in thread: String) throws -> [Event] {
    try connection.withLock {
      try connection.query(
        "SELECT thread, seq, id, type, data, at, meta FROM events WHERE thread = $1 ORDER BY seq",
        [thread]
      ).rows.map(Self.event(from:))
    }
  }

  public func threads() throws -> [ThreadSummary] {
    var summaries: [ThreadSummary] = []
    try forEachThreadSummary { summaries.append($0) }
    return summaries
  }

  @discardableResult
  public func fork(_ thread: String, at count: Int, as newThread: String) throws -> [Event] {
    try connection.withLock {
      var attempt = 0
      while true {
        attempt += 1
        do {
          return try connection.transaction {
            try forkInTransaction(thread, at: count, as: newThread)
          }
        } catch PostgresError.query(let state, _, _)
          where PostgresEventAppender.raceStates.contains(state) && attempt < Self.raceAttempts
        {
          continue
        }
      }
    }
  }

  private func forkInTransaction(_ thread: String, at count: Int, as newThread: String) throws
    -> [Event]
  {
    let lookup = "SELECT event_count FROM threads WHERE thread = $1"
    guard let available = try connection.query(lookup, [thread]).firstInt else {
      throw EventStoreError.unknownThread(thread)
    }
    guard try connection.query(lookup, [newThread]).isEmpty else {
      throw EventStoreError.threadExists(newThread)
    }
    guard count >= 0, count <= available else {
      throw EventStoreError.invalidFork(thread: thread, count: count, available: available)
    }
    try connection.query(
      """
      INSERT INTO events (thread, seq, id, type, data, at, meta)
      SELECT $1, seq, id, type, data, at, meta FROM events
      WHERE thread = $2 AND seq < $3::bigint
      """,
      [newThread, thread, String(count)])
    let events = try connection.query(
      "SELECT thread, seq, id, type, data, at, meta FROM events WHERE thread = $1 ORDER BY seq",
      [newThread]
    ).rows.map(Self.event(from:))
    try connection.query(
      "INSERT INTO threads (thread, event_count, last_type, last_at) VALUES ($1, $2::bigint, $3, $4)",
      [
        newThread, String(events.count), events.last?.type,
        events.last(where: { $0.at != nil })?.at,
      ])
    return events
  }

  /// Decodes a row of `SELECT thread, seq, id, type, data, at, meta`.
  static func event(from row: [String?]) throws -> Event {
    let thread = row[0] ?? ""
    let seq = row[1].flatMap { Int($0) } ?? 0
    func json(_ text: String?) throws -> JSONValue? {
      guard let text else { return nil }
      do {
        return try JSONParser.parse(text)
      } catch {
        throw PostgresError.corruptRow(
          table: "events", detail: "thread \"\(thread)\" seq \(seq): \(error)")
      }
    }
    return Event(
      thread: thread, seq: seq, type: row[3] ?? "", data: try json(row[4]) ?? .null,
      at: row[5], id: row[2], meta: try json(row[6]))
  }
}
