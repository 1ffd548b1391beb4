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
    ],
    // 2: cassettes and runs, with the meaning of SQLite's schema 3. `exchange_keys` holds
    // each key's exchange count: an upsert on it assigns `n` under the row's lock, so
    // concurrent recorders of one key get 0, 1, 2, …. `recorded_order`, `stored_order` and
    // `position` keep the order SQLite's rowids keep.
    [
      """
      CREATE TABLE exchanges (
        key text COLLATE "C" NOT NULL,
        n bigint NOT NULL CHECK (n >= 0),
        provider text NOT NULL,
        request text NOT NULL,
        response text NOT NULL,
        latency_ms double precision,
        usage text,
        recorded_at text NOT NULL,
        thread text,
        meta text,
        key_scheme integer NOT NULL DEFAULT 1,
        recorded_order bigserial NOT NULL UNIQUE,
        PRIMARY KEY (key, n)
      )
      """,
      """
      CREATE TABLE exchange_keys (
        key text COLLATE "C" PRIMARY KEY,
        exchange_count bigint NOT NULL
      )
      """,
      """
      CREATE TABLE runs (
        id text COLLATE "C" PRIMARY KEY,
        suite text NOT NULL,
        variant text NOT NULL,
        started_at text COLLATE "C" NOT NULL,
        finished_at text NOT NULL,
        git_commit text,
        model_source text NOT NULL,
        info text NOT NULL,
        summary text NOT NULL,
        results text NOT NULL,
        stored_order bigserial NOT NULL UNIQUE
      )
      """,
      "CREATE INDEX runs_suite ON runs (suite, started_at)",
      """
      CREATE TABLE case_results (
        run_id text COLLATE "C" NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        position integer NOT NULL,
        case_id text NOT NULL,
        thread text NOT NULL,
        mode text NOT NULL,
        step bigint,
        seq bigint,
        verdict text NOT NULL,
        expected_intent text,
        actual_intent text,
        body text,
        PRIMARY KEY (run_id, position)
      )
      """,
      "CREATE INDEX case_results_case ON case_results (case_id, thread)",
      """
      CREATE TABLE run_threads (
        run_id text COLLATE "C" NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        thread text COLLATE "C" NOT NULL,
        events text NOT NULL,
        PRIMARY KEY (run_id, thread)
      )
      """,
    ],
    // 3: each run's scope (`suite`, `shard`, `ad_hoc`), as SQLite's schema 4; NULL for runs
    // stored before it was kept.
    ["ALTER TABLE runs ADD COLUMN scope text"],
    // 4: runs written as they stream, as SQLite's schema 5: a run being written has a `runs`
    // row marked `pending` (its writer's token, host, process id and when it was last seen
    // alive, as Unix seconds on the server's clock), which readers skip.
    [
      """
      ALTER TABLE runs ADD COLUMN pending text, ADD COLUMN pending_host text,
        ADD COLUMN pending_pid bigint, ADD COLUMN pending_heartbeat bigint
      """,
      "CREATE INDEX runs_pending ON runs (pending) WHERE pending IS NOT NULL",
    ],
    // 5: golden threads stored once, shared by every run of the same fixtures, as SQLite's
    // schema 6: `run_threads.golden` names the `golden_threads` row holding the thread's
    // event JSONL (its own `events` then empty); NULL for rows stored before.
    [
      """
      CREATE TABLE golden_threads (
        key text COLLATE "C" PRIMARY KEY,
        events text COLLATE "C" NOT NULL
      )
      """,
      "ALTER TABLE run_threads ADD COLUMN golden text",
    ],
  ]

  /// The schema version this Refold writes.
  public static var latestVersion: Int { steps.count }

  /// An arbitrary constant naming the advisory lock migrations take.
  static let lockKey = "7231500419"

  /// Brings the database up to ``latestVersion``, once per connection (the stores that
  /// share a connection each ask).
  ///
  /// - Throws: ``PostgresError/newerSchema(host:port:version:supported:)`` when a newer
  ///   Refold migrated it.
  public static func migrate(_ connection: PostgresConnection) throws {
    try connection.withLock {
      guard !connection.migrated else { return }
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
      connection.migrated = true
    }
  }
}
