import RefoldCore
import RefoldShared

/// Everything that can go wrong talking to PostgreSQL besides the event-store contract errors.
///
/// Contract errors (a version conflict, an id conflict, an unknown thread) are
/// ``EventStoreError`` values, as every `EventStore` throws them.
public enum PostgresError: RefoldError, Sendable, Hashable {
  /// No server answered at `host:port`, or it refused the connection; `reason` is libpq's
  /// first line.
  case unreachable(host: String, port: String, reason: String)
  /// The server refused a statement: its SQLSTATE, its message and the statement.
  case query(sqlState: String, message: String, sql: String)
  /// The database was migrated by a newer Refold.
  case newerSchema(host: String, port: String, version: Int, supported: Int)
  /// A stored row that no longer decodes (written by an incompatible version, or edited).
  case corruptRow(table: String, detail: String)
  /// A run with this id is already stored; runs are never replaced.
  case runExists(String)
  /// A run being written whose rows were removed as abandoned (its writer was not seen
  /// alive for ``PendingRun/abandonedAfter`` seconds); nothing of it was stored.
  case runAbandoned(String)
  /// The connection URL does not parse (libpq's reason, without the URL it quotes).
  case invalidURL(reason: String)

  /// SQLSTATE 23505: a unique key (the `(thread, seq)` or `(thread, id)` key) was taken.
  public static let uniqueViolation = "23505"

  public var description: String {
    switch self {
    case .unreachable(let host, let port, let reason):
      return "cannot reach the PostgreSQL server at \(host):\(port): \(reason)"
    case .query(let sqlState, let message, let sql):
      return
        "PostgreSQL error \(sqlState): \(message) while running \"\(Self.abbreviate(sql))\""
    case .newerSchema(let host, let port, let version, let supported):
      return
        "the PostgreSQL store at \(host):\(port) has schema version \(version), newer than "
        + "the \(supported) this Refold knows"
    case .corruptRow(let table, let detail):
      return "a row in table \"\(table)\" does not decode: \(detail)"
    case .runExists(let id):
      return "run \"\(id)\" is already stored"
    case .runAbandoned(let id):
      return
        "run \"\(id)\" was not stored: its rows were removed as abandoned while it was "
        + "being written (no sign of its writer for \(PendingRun.abandonedAfter / 60) minutes)"
    case .invalidURL(let reason):
      return "the store location is not a PostgreSQL connection URL: \(reason)"
    }
  }

  /// An unreachable server and a failing statement are the environment (4); a URL that does
  /// not parse, a newer schema and an undecodable row are the input (2).
  public var exitStatus: ExitStatus {
    switch self {
    case .unreachable, .query, .runAbandoned: return .environment
    case .invalidURL, .newerSchema, .corruptRow, .runExists: return .invalidInput
    }
  }

  static func abbreviate(_ sql: String) -> String {
    let flat = sql.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    return flat.count > 80 ? String(flat.prefix(77)) + "..." : flat
  }
}
