import CSQLite
import Foundation

/// One open SQLite database connection: the `sqlite3*` handle and its prepared statements.
///
/// Not `Sendable`: a connection is used by one thread at a time. ``RefoldDatabase`` owns one
/// behind a `Mutex` and is what stores share. The connection runs in WAL mode with foreign
/// keys on and a busy handler (``BusyPolicy``), so two connections (or processes) on the same
/// file wait for each other instead of failing, and give up with
/// ``StoreError/busy(path:timeout:writer:)`` after the policy's timeout.
public final class SQLiteConnection {
  /// The database path as given (`:memory:` for a private in-memory database).
  public let path: String
  private let handle: OpaquePointer
  private var statements: [String: SQLiteStatement] = [:]
  private var transactionDepth = 0
  private let waiter: BusyWaiter
  private var noteWritten = false

  /// Opens (creating if needed) the database at `path`.
  ///
  /// The busy handler is in place before the first statement, and setting WAL mode (which
  /// SQLite does not wait for on a new file that another process is creating too) is
  /// retried until the policy's timeout.
  ///
  /// - Parameter busy: how long to wait for another writer's lock.
  public init(path: String, busy: BusyPolicy = .standard) throws {
    self.path = path
    waiter = BusyWaiter(policy: busy)
    var pointer: OpaquePointer?
    let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
    let code = sqlite3_open_v2(path, &pointer, flags, nil)
    guard code == SQLITE_OK, let pointer else {
      let message = pointer.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
      sqlite3_close_v2(pointer)
      throw StoreError.sqlite(path: path, code: code, message: message, sql: nil)
    }
    handle = pointer
    sqlite3_extended_result_codes(handle, 1)
    sqlite3_busy_handler(
      handle,
      { context, count in
        guard let context else { return 0 }
        let waiter = Unmanaged<BusyWaiter>.fromOpaque(context).takeUnretainedValue()
        return waiter.shouldRetry(count: Int(count)) ? 1 : 0
      }, Unmanaged.passUnretained(waiter).toOpaque())
    if path != ":memory:" && !path.isEmpty {
      // The page size of a store this opening creates (an existing file keeps its own).
      // A stored golden thread is a row of a few KiB: a 4 KiB page holds one and leaves
      // the rest empty, a 16 KiB page holds several.
      try execute("PRAGMA page_size = \(Self.newStorePageSize)")
      try waiter.retryingBusy { try execute("PRAGMA journal_mode = WAL") }
      try execute("PRAGMA synchronous = NORMAL")
    }
    try execute("PRAGMA foreign_keys = ON")
  }

  /// The page size of new store files, in bytes.
  static let newStorePageSize = 16_384

  deinit {
    for statement in statements.values { statement.finalize() }
    sqlite3_close_v2(handle)
    if noteWritten { WriterNote.remove(for: path) }
  }

  /// Runs one or more SQL statements that return no rows of interest.
  public func execute(_ sql: String) throws {
    var message: UnsafeMutablePointer<CChar>?
    let code = sqlite3_exec(handle, sql, nil, nil, &message)
    if code != SQLITE_OK {
      let text = message.map { String(cString: $0) } ?? String(cString: sqlite3_errstr(code))
      sqlite3_free(message)
      throw failure(code: sqlite3_extended_errcode(handle), message: text, sql: sql)
    }
  }

  /// A prepared statement for `sql`, from the cache when it was prepared before; reset and
  /// with its bindings cleared.
  public func prepare(_ sql: String) throws -> SQLiteStatement {
    if let cached = statements[sql] {
      cached.reset()
      return cached
    }
    var pointer: OpaquePointer?
    let code = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &pointer, nil)
    guard code == SQLITE_OK, let pointer else {
      throw error(code: code, sql: sql)
    }
    let statement = SQLiteStatement(pointer: pointer, connection: self, sql: sql)
    statements[sql] = statement
    return statement
  }

  /// Runs `body` in a `BEGIN IMMEDIATE` transaction: committed when it returns, rolled back
  /// when it throws.
  ///
  /// `IMMEDIATE` takes the write lock up front, so what `body` reads cannot change before it
  /// writes (the optimistic `seq` check relies on this). Nested calls join the outer
  /// transaction.
  public func transaction<Result>(_ body: () throws -> Result) throws -> Result {
    if transactionDepth > 0 {
      transactionDepth += 1
      defer { transactionDepth -= 1 }
      return try body()
    }
    try execute("BEGIN IMMEDIATE")
    transactionDepth = 1
    if !noteWritten, let writer = waiter.policy.writer, path != ":memory:", !path.isEmpty {
      WriterNote.write(writer, for: path)
      noteWritten = true
    }
    do {
      let result = try body()
      try execute("COMMIT")
      transactionDepth = 0
      return result
    } catch {
      transactionDepth = 0
      if sqlite3_get_autocommit(handle) == 0 {
        try? execute("ROLLBACK")
      }
      throw error
    }
  }

  /// Rows changed by the last INSERT, UPDATE or DELETE.
  public var changes: Int { Int(sqlite3_changes(handle)) }

  /// An error for a failed call, with SQLite's current message.
  func error(code: Int32, sql: String?) -> StoreError {
    let extended = sqlite3_extended_errcode(handle)
    return failure(
      code: extended != 0 ? extended : code, message: String(cString: sqlite3_errmsg(handle)),
      sql: sql)
  }

  /// ``StoreError/busy(path:timeout:writer:)`` for a lock waited for in vain (naming the
  /// other writer when it left a note), else ``StoreError/sqlite(path:code:message:sql:)``.
  private func failure(code: Int32, message: String, sql: String?) -> StoreError {
    guard code & 0xFF == SQLITE_BUSY else {
      return .sqlite(path: path, code: code, message: message, sql: sql)
    }
    let note = WriterNote.read(for: path).map { "\($0.kind), pid \($0.pid)" }
    return .busy(path: path, timeout: waiter.policy.timeout, writer: note)
  }
}
