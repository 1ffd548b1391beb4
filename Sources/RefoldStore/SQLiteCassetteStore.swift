import Foundation
import RefoldCore
import RefoldShared

/// The ``CassetteStore`` on SQLite: recorded model exchanges in the `exchanges` table.
///
/// `(key, n)` is unique; ``record(_:)`` refuses an `n` other than the next free one, so a
/// recording is never overwritten. Requests, responses, usage and meta are canonical JSON.
public final class SQLiteCassetteStore: CassetteStore {
  /// The database this store reads and writes.
  public let database: RefoldDatabase

  /// A cassette store on a shared database.
  public init(database: RefoldDatabase) {
    self.database = database
  }

  /// Opens (creating directories and schema as needed) the database at `path`.
  public convenience init(path: String) throws {
    self.init(database: try RefoldDatabase(path: path))
  }

  private static let columns =
    "key, n, provider, request, response, latency_ms, usage, recorded_at, thread, meta, key_scheme"

  public func exchanges(forKey key: String) throws -> [Exchange] {
    try database.withConnection { connection in try Self.exchanges(forKey: key, in: connection) }
  }

  /// The exchanges of `key` as `connection` sees them, ordered by `n`.
  static func exchanges(forKey key: String, in connection: SQLiteConnection) throws -> [Exchange] {
    let statement = try connection.prepare(
      "SELECT \(columns) FROM exchanges WHERE key = ? ORDER BY n")
    defer { statement.reset() }
    statement.bind(key, at: 1)
    var result: [Exchange] = []
    while try statement.step() { result.append(try exchange(from: statement)) }
    return result
  }

  public func allExchanges() throws -> [Exchange] {
    try database.withConnection { connection in
      let statement = try connection.prepare(
        "SELECT \(Self.columns) FROM exchanges ORDER BY rowid")
      defer { statement.reset() }
      var result: [Exchange] = []
      while try statement.step() { result.append(try Self.exchange(from: statement)) }
      return result
    }
  }

  /// Every key, in the order its first exchange was recorded.
  public func keys() throws -> [String] {
    try database.withConnection { connection in
      let statement = try connection.prepare(
        "SELECT key FROM exchanges GROUP BY key ORDER BY MIN(rowid)")
      defer { statement.reset() }
      var result: [String] = []
      while try statement.step() { result.append(statement.string(at: 0) ?? "") }
      return result
    }
  }

  /// Adds an exchange at the next `n` of its key, counted and inserted in one immediate
  /// transaction: a second connection to the same file waits, then counts the new row.
  ///
  /// - Throws: ``StoreError`` when the database cannot be written (busy past the timeout,
  ///   read-only, full).
  @discardableResult
  public func append(_ exchange: Exchange) throws -> Exchange {
    let usage = try Self.usageJSON(exchange.usage)
    return try database.withConnection { connection in
      try connection.transaction { try Self.insert(exchange, usage: usage, into: connection) }
    }
  }

  /// Inserts `exchange` at the next `n` of its key, inside the caller's transaction.
  static func insert(_ exchange: Exchange, into connection: SQLiteConnection) throws -> Exchange {
    try insert(exchange, usage: try usageJSON(exchange.usage), into: connection)
  }

  /// Token usage as the `usage` column holds it: JSON with sorted keys.
  private static func usageJSON(_ usage: TokenUsage?) throws -> String? {
    try usage.map { usage in
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.sortedKeys]
      return String(decoding: try encoder.encode(usage), as: UTF8.self)
    }
  }

  private static func insert(
    _ exchange: Exchange, usage: String?, into connection: SQLiteConnection
  ) throws -> Exchange {
    let count = try connection.prepare("SELECT count(*) FROM exchanges WHERE key = ?")
    count.bind(exchange.key, at: 1)
    let next = try count.step() ? count.int(at: 0) : 0
    count.reset()
    var stored = exchange
    stored.n = next
    let insert = try connection.prepare(
      "INSERT INTO exchanges (\(columns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
    insert.bind(exchange.key, at: 1)
    insert.bind(next, at: 2)
    insert.bind(exchange.provider, at: 3)
    insert.bind(exchange.request.canonicalString, at: 4)
    insert.bind(exchange.response.canonicalString, at: 5)
    insert.bind(exchange.latencyMilliseconds, at: 6)
    insert.bind(usage, at: 7)
    insert.bind(exchange.recordedAt, at: 8)
    insert.bind(exchange.thread, at: 9)
    insert.bind(exchange.meta?.canonicalString, at: 10)
    insert.bind(exchange.keyScheme, at: 11)
    try insert.run()
    return stored
  }

  private static func exchange(from statement: SQLiteStatement) throws -> Exchange {
    let key = statement.string(at: 0) ?? ""
    let n = statement.int(at: 1)
    func json(_ column: Int32) throws -> JSONValue? {
      guard let text = statement.string(at: column) else { return nil }
      do {
        return try JSONParser.parse(text)
      } catch {
        throw StoreError.corruptRow(table: "exchanges", detail: "key \(key) n=\(n): \(error)")
      }
    }
    var usage: TokenUsage?
    if let text = statement.string(at: 6) {
      do {
        usage = try JSONDecoder().decode(TokenUsage.self, from: Data(text.utf8))
      } catch {
        throw StoreError.corruptRow(
          table: "exchanges", detail: "key \(key) n=\(n): usage does not decode")
      }
    }
    return Exchange(
      key: key, n: n, provider: statement.string(at: 2) ?? "", request: try json(3) ?? .null,
      response: try json(4) ?? .null, latencyMilliseconds: statement.double(at: 5), usage: usage,
      recordedAt: statement.string(at: 7) ?? "", thread: statement.string(at: 8),
      meta: try json(9), keyScheme: statement.int(at: 10))
  }
}
