/// The versioned schema of a PostgreSQL store, applied in order and recorded in
/// `refold_schema`, as ``SchemaMigrations`` does for SQLite.
///
/// Every process that opens the store runs ``migrate(_:)``; a transaction-scoped advisory
/// lock makes concurrent openers from many hosts apply each step exactly once.
public enum PostgresMigrations {
  /// The steps, oldest first: version `index + 1` is `steps[index]`.
  static let steps: [[String]] = [
    // 1: the event store. `thread` sorts bytewise (COLLATE "C"), as SQLite's text does;
    // `data` and `meta` are canonical JSON text, compared byte for byte.
    [
      """
      CREATE TABLE threads (
        thread text COLLATE "C" PRIMARY KEY,
        event_count bigint NOT NULL,
        last_type text,
        last_at text
      )
      """,
      """
      CREATE TABLE events (
        thread text COLLATE "C" NOT NULL,
        seq bigint NOT NULL,
        id text,
        type text NOT NULL,
        data text NOT NULL,
        at text,
        meta text,
        CONSTRAINT events_thread_seq PRIMARY KEY (thread, seq),
        CONSTRAINT events_thread_id UNIQUE (thread, id)
      )
      """,
    ]
  ]

  /// The schema version this Refold writes.
  public static var latestVersion: Int { steps.count }

  /// An arbitrary constant naming the advisory lock migrations take.
  static let lockKey = "7231500419"

  /// Brings the database up to ``latestVersion``.
  ///
  /// - Throws: ``PostgresError/newerSchema(host:port:version:supported:)`` when a newer
  ///   Refold migrated it.
  public static func migrate(_ connection: PostgresConnection) throws {
    try connection.withLock {
      try connection.transaction {
        try connection.query("SELECT pg_advisory_xact_lock($1::bigint)", [lockKey])
        try connection.query(
          """
          CREATE TABLE IF NOT EXISTS refold_schema (
            version integer PRIMARY KEY,
            applied_at timestamptz NOT NULL DEFAULT now()
          )
          """)
        let current =
          try connection.query("SELECT coalesce(max(version), 0) FROM refold_schema").firstInt
          ?? 0
        guard current <= latestVersion else {
          throw PostgresError.newerSchema(
            host: connection.host, port: connection.port, version: current,
            supported: latestVersion)
        }
        for version in stride(from: current + 1, through: latestVersion, by: 1) {
          for statement in steps[version - 1] { try connection.query(statement) }
          try connection.query(
            "INSERT INTO refold_schema (version) VALUES ($1::integer)", [String(version)])
        }
      }
    }
  }
}
