import CLibpq
import Foundation

/// One libpq connection to a PostgreSQL server, used by one caller at a time.
///
/// Statements go through `PQexecParams` with every value as a text parameter (`$1`, `$2`,
/// …): nothing a caller passes is ever spliced into SQL. Errors are ``PostgresError``: a
/// server that cannot be reached (or goes away) is ``PostgresError/unreachable(host:port:reason:)``,
/// a refused statement is ``PostgresError/query(sqlState:message:sql:)``.
///
/// ```swift
/// let connection = try PostgresConnection(url: "postgresql://refold@127.0.0.1:5432/refold")
/// let rows = try connection.query("SELECT event_count FROM threads WHERE thread = $1", ["a"])
/// ```
public final class PostgresConnection: @unchecked Sendable {
  /// The server's host as libpq resolved it from the URL (for messages).
  public let host: String
  /// The server's port as libpq resolved it from the URL (for messages).
  public let port: String

  // `connection` and `migrated` are only touched while `lock` is held (see `withLock`).
  private let connection: OpaquePointer
  private let lock = NSLock()
  /// Whether ``PostgresMigrations/migrate(_:)`` brought this connection's database to the
  /// latest schema: the stores sharing the connection then skip the check.
  var migrated = false

  /// Connects to the server `url` names: a `postgresql://` URL or a libpq `key=value` string.
  ///
  /// - Throws: ``PostgresError/unreachable(host:port:reason:)`` when no server answers or it
  ///   refuses the connection.
  public init(url: String) throws {
    try Self.checkURL(url)
    guard let connection = PQconnectdb(url) else {
      throw PostgresError.unreachable(
        host: "localhost", port: "5432", reason: "libpq could not allocate a connection")
    }
    let host = PQhost(connection).map { String(cString: $0) } ?? ""
    let port = PQport(connection).map { String(cString: $0) } ?? ""
    self.host = host.isEmpty ? "localhost" : host
    self.port = port.isEmpty ? "5432" : port
    guard PQstatus(connection) == CONNECTION_OK else {
      let reason = Self.firstLine(PQerrorMessage(connection))
      PQfinish(connection)
      throw PostgresError.unreachable(host: self.host, port: self.port, reason: reason)
    }
    // Notices ("relation already exists, skipping") are not the caller's business.
    PQsetNoticeProcessor(connection, { _, _ in }, nil)
    self.connection = connection
  }

  deinit {
    PQfinish(connection)
  }

  /// Parses `url` as libpq would, without connecting.
  ///
  /// - Throws: ``PostgresError/invalidURL(reason:)`` with libpq's reason, cut before the URL
  ///   it quotes (which may hold a password).
  static func checkURL(_ url: String) throws {
    var message: UnsafeMutablePointer<CChar>?
    if let options = PQconninfoParse(url, &message) {
      PQconninfoFree(options)
      return
    }
    var reason = message.map { firstLine($0) } ?? "libpq could not parse it"
    if let message { PQfreemem(message) }
    if let quoted = reason.range(of: " in URI") { reason = String(reason[..<quoted.lowerBound]) }
    throw PostgresError.invalidURL(reason: reason)
  }

  /// Runs `body` with this connection to itself: the one caller at a time.
  public func withLock<T>(_ body: () throws -> T) rethrows -> T {
    lock.lock()
    defer { lock.unlock() }
    return try body()
  }

  /// Runs one statement with text parameters and returns its rows (none for a command).
  @discardableResult
  public func query(_ sql: String, _ parameters: [String?] = []) throws -> PostgresRows {
    let copies = parameters.map { $0.map { strdup($0) } ?? nil }
    defer { for copy in copies { free(copy) } }
    let values = copies.map { UnsafePointer<CChar>($0) }
    let result = values.withUnsafeBufferPointer { buffer in
      PQexecParams(
        connection, sql, Int32(parameters.count), nil, buffer.baseAddress, nil, nil, 0)
    }
    defer { PQclear(result) }
    let status = PQresultStatus(result)
    guard status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK else {
      throw failure(result, sql: sql)
    }
    return PostgresRows(result)
  }

  /// Runs `body` in a transaction: `COMMIT` when it returns, `ROLLBACK` when it throws.
  public func transaction<T>(_ begin: String = "BEGIN", _ body: () throws -> T) throws -> T {
    try query(begin)
    do {
      let value = try body()
      try query("COMMIT")
      return value
    } catch {
      if PQstatus(connection) == CONNECTION_OK { _ = try? query("ROLLBACK") }
      throw error
    }
  }

  /// Streams `bytes` (COPY text format: tab-separated columns, `\N` for NULL, one row a
  /// line) into the table a `COPY … FROM STDIN` statement names, inside the caller's
  /// transaction.
  ///
  /// - Throws: ``PostgresError`` when the server refuses the statement or a row (a unique
  ///   key taken, say: ``PostgresError/uniqueViolation``).
  public func copy(_ sql: String, _ bytes: [UInt8]) throws {
    let started = PQexec(connection, sql)
    let status = PQresultStatus(started)
    guard status == PGRES_COPY_IN else {
      defer { PQclear(started) }
      throw failure(started, sql: sql)
    }
    PQclear(started)
    var sent = true
    bytes.withUnsafeBufferPointer { buffer in
      guard let base = buffer.baseAddress else { return }
      var offset = 0
      while offset < buffer.count {
        let length = min(1 << 20, buffer.count - offset)
        let pointer = UnsafeRawPointer(base + offset).assumingMemoryBound(to: CChar.self)
        if PQputCopyData(connection, pointer, Int32(length)) != 1 {
          sent = false
          return
        }
        offset += length
      }
    }
    PQputCopyEnd(connection, sent ? nil : "the client could not send the rows")
    var failed: PostgresError?
    while let result = PQgetResult(connection) {
      let status = PQresultStatus(result)
      if status != PGRES_COMMAND_OK, failed == nil { failed = failure(result, sql: sql) }
      PQclear(result)
    }
    if let failed { throw failed }
  }

  private func failure(_ result: OpaquePointer?, sql: String) -> PostgresError {
    guard PQstatus(connection) == CONNECTION_OK else {
      return .unreachable(
        host: host, port: port, reason: Self.firstLine(PQerrorMessage(connection)))
    }
    let state = Self.field(result, "C") ?? ""
    let message = Self.field(result, "M") ?? Self.firstLine(PQerrorMessage(connection))
    return .query(sqlState: state, message: message, sql: sql)
  }

  /// The constraint a failed statement violated (`PG_DIAG_CONSTRAINT_NAME`), for callers that
  /// catch ``PostgresError/query(sqlState:message:sql:)``.
  static func field(_ result: OpaquePointer?, _ code: Character) -> String? {
    guard let result, let ascii = code.asciiValue,
      let value = PQresultErrorField(result, Int32(ascii))
    else { return nil }
    return String(cString: value)
  }

  static func firstLine(_ message: UnsafePointer<CChar>?) -> String {
    guard let message else { return "no answer" }
    let text = String(cString: message).trimmingCharacters(in: .whitespacesAndNewlines)
    return text.split(separator: "\n").first.map(String.init) ?? "no answer"
  }
}
