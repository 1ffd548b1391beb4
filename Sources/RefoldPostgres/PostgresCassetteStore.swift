import Foundation
import RefoldCore
import RefoldShared

/// The ``CassetteStore`` on PostgreSQL: recorded model exchanges in the `exchanges` table,
/// shared by recorders on many hosts.
///
/// `(key, n)` is the primary key. ``append(_:)`` takes the key's next `n` from an upsert on
/// `exchange_keys` in the same transaction: the row lock makes a second recorder of the key
/// wait for the first to commit, then count its exchange, so concurrent appends of one key
/// get 0, 1, 2, … and a recording is never overwritten. Requests, responses, usage and meta
/// are canonical JSON text, as on SQLite.
///
/// ```swift
/// let cassette = try PostgresCassetteStore(url: "postgresql://refold@db.internal/refold")
/// let stored = try cassette.append(exchange)  // stored.n is the key's next n
/// ```
public final class PostgresCassetteStore: CassetteStore {
  /// The connection this store reads and writes through.
  public let connection: PostgresConnection

  /// A cassette store on an open connection, migrated to the latest schema.
  public init(connection: PostgresConnection) throws {
    try PostgresMigrations.migrate(connection)
    self.connection = connection
  }

  /// Connects to `url` (a `postgresql://` URL) and migrates the schema as needed.
  public convenience init(url: String) throws {
    try self.init(connection: PostgresConnection(url: url))
  }

  static let columns =
    "key, n, provider, request, response, latency_ms, usage, recorded_at, thread, meta, key_scheme"

  public func exchanges(forKey key: String) throws -> [Exchange] {
    try connection.withLock { try Self.exchanges(forKey: key, in: connection) }
  }

  /// The exchanges of `key` as `connection`'s transaction sees them, ordered by `n`.
  static func exchanges(forKey key: String, in connection: PostgresConnection) throws
    -> [Exchange]
  {
    try connection.query(
      "SELECT \(columns) FROM exchanges WHERE key = $1 ORDER BY n", [key]
    ).rows.map(exchange(from:))
  }

  public func allExchanges() throws -> [Exchange] {
    try connection.withLock {
      try connection.query("SELECT \(Self.columns) FROM exchanges ORDER BY recorded_order")
        .rows.map(Self.exchange(from:))
    }
  }

  /// Every key, in the order its first exchange was recorded.
  public func keys() throws -> [String] {
    try connection.withLock {
      try connection.query(
        "SELECT key FROM exchanges GROUP BY key ORDER BY MIN(recorded_order)"
      ).rows.map { $0[0] ?? "" }
    }
  }

  /// Adds an exchange at the next `n` of its key, in one transaction.
  ///
  /// - Throws: ``PostgresError`` when the server cannot be reached or refuses the row.
  @discardableResult
  public func append(_ exchange: Exchange) throws -> Exchange {
    try connection.withLock {
      try connection.transaction { try Self.insert(exchange, into: connection) }
    }
  }

  /// Inserts `exchange` at the next `n` of its key, inside the caller's transaction.
  static func insert(_ exchange: Exchange, into connection: PostgresConnection) throws
    -> Exchange
  {
    let next =
      try connection.query(
        """
        INSERT INTO exchange_keys (key, exchange_count) VALUES ($1, 1)
        ON CONFLICT (key) DO UPDATE SET exchange_count = exchange_keys.exchange_count + 1
        RETURNING exchange_count - 1
        """, [exchange.key]
      ).firstInt ?? 0
    var stored = exchange
    stored.n = next
    try connection.query(
      """
      INSERT INTO exchanges (\(columns))
      VALUES ($1, $2::bigint, $3, $4, $5, $6::double precision, $7, $8, $9, $10, $11::integer)
      """, parameters(of: stored))
    return stored
  }

  /// The column values of `exchange`, in ``columns`` order, as text parameters.
  static func parameters(of exchange: Exchange) throws -> [String?] {
    [
      exchange.key, String(exchange.n), exchange.provider, exchange.request.canonicalString,
      exchange.response.canonicalString, exchange.latencyMilliseconds.map { "\($0)" },
      try usageJSON(exchange.usage), exchange.recordedAt, exchange.thread,
      exchange.meta?.canonicalString, String(exchange.keyScheme),
    ]
  }

  /// Token usage as the `usage` column holds it: JSON with sorted keys.
  private static func usageJSON(_ usage: TokenUsage?) throws -> String? {
    try usage.map { usage in
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.sortedKeys]
      return String(decoding: try encoder.encode(usage), as: UTF8.self)
    }
  }

  /// Decodes a row of `SELECT` ``columns``.
  static func exchange(from row: [String?]) throws -> Exchange {
    let key = row[0] ?? ""
    let n = row[1].flatMap { Int($0) } ?? 0
    func json(_ text: String?) throws -> JSONValue? {
      guard let text else { return nil }
      do {
        return try JSONParser.parse(text)
      } catch {
        throw PostgresError.corruptRow(table: "exchanges", detail: "key \(key) n=\(n): \(error)")
      }
    }
    var usage: TokenUsage?
    if let text = row[6] {
      do {
        usage = try JSONDecoder().decode(TokenUsage.self, from: Data(text.utf8))
      } catch {
        throw PostgresError.corruptRow(
          table: "exchanges", detail: "key \(key) n=\(n): usage does not decode")
      }
    }
    return Exchange(
      key: key, n: n, provider: row[2] ?? "", request: try json(row[3]) ?? .null,
      response: try json(row[4]) ?? .null, latencyMilliseconds: row[5].flatMap { Double($0) },
      usage: usage, recordedAt: row[7] ?? "", thread: row[8], meta: try json(row[9]),
      keyScheme: row[10].flatMap { Int($0) } ?? 1)
  }
}
