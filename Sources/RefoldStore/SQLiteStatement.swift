import CSQLite

/// A prepared statement of one ``SQLiteConnection``: bind, step, read columns.
///
/// Indexes are 1-based for bindings and 0-based for columns, as in SQLite. Statements come
/// from ``SQLiteConnection/prepare(_:)`` and are cached there; they are reset on reuse.
public final class SQLiteStatement {
  private let pointer: OpaquePointer
  private unowned let connection: SQLiteConnection
  /// The SQL text, for error messages.
  public let sql: String

  init(pointer: OpaquePointer, connection: SQLiteConnection, sql: String) {
    self.pointer = pointer
    self.connection = connection
    self.sql = sql
  }

  func finalize() { sqlite3_finalize(pointer) }

  /// Resets the statement to run again and clears its bindings.
  public func reset() {
    sqlite3_reset(pointer)
    sqlite3_clear_bindings(pointer)
  }

  private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

  /// Binds text (or NULL for nil).
  public func bind(_ value: String?, at index: Int32) {
    guard var value else {
      sqlite3_bind_null(pointer, index)
      return
    }
    value.withUTF8 { bindText($0, at: index) }
  }

  /// Binds UTF-8 bytes as text.
  public func bind(utf8 bytes: [UInt8], at index: Int32) {
    bytes.withUnsafeBufferPointer { bindText($0, at: index) }
  }

  private func bindText(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int32) {
    bytes.withMemoryRebound(to: CChar.self) { chars in
      guard let base = chars.baseAddress, !chars.isEmpty else {
        // SQLite reads a NULL pointer as SQL NULL; an empty string must stay an empty string.
        _ = sqlite3_bind_text(pointer, index, "", 0, nil)
        return
      }
      _ = sqlite3_bind_text(pointer, index, base, Int32(chars.count), Self.transient)
    }
  }

  /// Binds an integer (or NULL for nil).
  public func bind(_ value: Int?, at index: Int32) {
    if let value {
      sqlite3_bind_int64(pointer, index, Int64(value))
    } else {
      sqlite3_bind_null(pointer, index)
    }
  }

  /// Binds a double (or NULL for nil).
  public func bind(_ value: Double?, at index: Int32) {
    if let value {
      sqlite3_bind_double(pointer, index, value)
    } else {
      sqlite3_bind_null(pointer, index)
    }
  }

  /// Advances to the next row: true when a row is available, false when done.
  public func step() throws -> Bool {
    let code = sqlite3_step(pointer)
    switch code {
    case SQLITE_ROW: return true
    case SQLITE_DONE: return false
    default:
      let error = connection.error(code: code, sql: sql)
      sqlite3_reset(pointer)
      throw error
    }
  }

  /// Runs the statement to completion (for statements that return no rows).
  public func run() throws {
    while try step() {}
    sqlite3_reset(pointer)
  }

  /// Whether column `index` of the current row is NULL.
  public func isNull(at index: Int32) -> Bool {
    sqlite3_column_type(pointer, index) == SQLITE_NULL
  }

  /// Column `index` as text, or nil when NULL.
  public func string(at index: Int32) -> String? {
    guard let text = sqlite3_column_text(pointer, index) else { return nil }
    let count = Int(sqlite3_column_bytes(pointer, index))
    return String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self)
  }

  /// Calls `body` with the UTF-8 bytes of column `index`, or returns nil when NULL.
  public func withBytes<Result>(
    at index: Int32, _ body: (UnsafeBufferPointer<UInt8>) throws -> Result
  ) rethrows -> Result? {
    guard let text = sqlite3_column_text(pointer, index) else { return nil }
    let count = Int(sqlite3_column_bytes(pointer, index))
    return try body(UnsafeBufferPointer(start: text, count: count))
  }

  /// Column `index` as an integer (0 when NULL).
  public func int(at index: Int32) -> Int { Int(sqlite3_column_int64(pointer, index)) }

  /// Column `index` as an integer, or nil when NULL.
  public func optionalInt(at index: Int32) -> Int? {
    isNull(at: index) ? nil : int(at: index)
  }

  /// Column `index` as a double, or nil when NULL.
  public func double(at index: Int32) -> Double? {
    isNull(at: index) ? nil : sqlite3_column_double(pointer, index)
  }
}
