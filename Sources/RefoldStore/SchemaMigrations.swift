/// The versioned schema of a Refold database.
///
/// Migration `k` (1-based) brings a database from `PRAGMA user_version` `k - 1` to `k`. Each
/// runs in its own `BEGIN IMMEDIATE` transaction that re-reads the version first, so two
/// processes opening a new file at once apply it once. Migrations are only ever appended.
enum SchemaMigrations {
  static let all: [String] = [version1, version2, version3, version4, version5, version6]

  static var latestVersion: Int { all.count }

  /// Applies every migration `connection` has not seen.
  static func migrate(_ connection: SQLiteConnection) throws {
    let version = try userVersion(connection)
    if version > latestVersion {
      throw StoreError.newerSchema(
        path: connection.path, version: version, supported: latestVersion)
    }
    guard version < latestVersion else { return }
    for (offset, sql) in all.enumerated() {
      let target = offset + 1
      try connection.transaction {
        guard try userVersion(connection) < target else { return }
        try connection.execute(sql)
        try connection.execute("PRAGMA user_version = \(target)")
      }
    }
  }

  static func userVersion(_ connection: SQLiteConnection) throws -> Int {
    let statement = try connection.prepare("PRAGMA user_version")
    defer { statement.reset() }
    return try statement.step() ? statement.int(at: 0) : 0
  }

  /// Threads, events, cassette exchanges, runs and their per-decision verdicts.
  ///
  /// `threads.event_count` is the next `seq`, so an append checks one row instead of scanning.
  /// `data` and `meta` are canonical JSON text. The foreign key from events to threads is
  /// deferred: an append inserts events first and writes the thread row once at the end.
  static let version1 = """
    CREATE TABLE threads (
      thread TEXT NOT NULL PRIMARY KEY,
      event_count INTEGER NOT NULL CHECK (event_count >= 0),
      last_type TEXT,
      last_at TEXT
    );
    CREATE TABLE events (
      thread TEXT NOT NULL REFERENCES threads (thread) DEFERRABLE INITIALLY DEFERRED,
      seq INTEGER NOT NULL CHECK (seq >= 0),
      id TEXT,
      type TEXT NOT NULL,
      data TEXT NOT NULL,
      at TEXT,
      meta TEXT,
      PRIMARY KEY (thread, seq)
    );
    CREATE UNIQUE INDEX events_thread_id ON events (thread, id) WHERE id IS NOT NULL;
    CREATE TABLE exchanges (
      key TEXT NOT NULL,
      n INTEGER NOT NULL CHECK (n >= 0),
      provider TEXT NOT NULL,
      request TEXT NOT NULL,
      response TEXT NOT NULL,
      latency_ms REAL,
      usage TEXT,
      recorded_at TEXT NOT NULL,
      thread TEXT,
      meta TEXT,
      PRIMARY KEY (key, n)
    );
    CREATE TABLE runs (
      id TEXT NOT NULL PRIMARY KEY,
      suite TEXT NOT NULL,
      variant TEXT NOT NULL,
      started_at TEXT NOT NULL,
      finished_at TEXT NOT NULL,
      git_commit TEXT,
      model_source TEXT NOT NULL,
      info TEXT NOT NULL,
      summary TEXT NOT NULL,
      results TEXT NOT NULL
    );
    CREATE INDEX runs_suite ON runs (suite, started_at);
    CREATE TABLE case_results (
      run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
      case_id TEXT NOT NULL,
      thread TEXT NOT NULL,
      mode TEXT NOT NULL,
      step INTEGER,
      seq INTEGER,
      verdict TEXT NOT NULL,
      expected_intent TEXT,
      actual_intent TEXT
    );
    CREATE INDEX case_results_run ON case_results (run_id);
    CREATE INDEX case_results_case ON case_results (case_id, thread);
    """
}

extension SchemaMigrations {
  /// The cassette key scheme of each exchange; rows written before it are scheme 1.
  static let version2 = """
    ALTER TABLE exchanges ADD COLUMN key_scheme INTEGER NOT NULL DEFAULT 1;
    """
}

extension SchemaMigrations {
  /// A run's cases and golden threads as rows of their own.
  ///
  /// Each case's JSON in `case_results.body`, each thread's events as event JSONL in
  /// `run_threads`, so that `runs.results` holds the run without them and saving a run
  /// encodes no whole-run JSON. Runs stored before keep their cases in `runs.results` (their rows' `body` is NULL).
  static let version3 = """
    ALTER TABLE case_results ADD COLUMN body TEXT;
    CREATE TABLE run_threads (
      run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
      thread TEXT NOT NULL,
      events TEXT NOT NULL,
      PRIMARY KEY (run_id, thread)
    );
    """
}

extension SchemaMigrations {
  /// Whether each run covers the whole suite (`suite`, `shard`, `ad_hoc`: ``RunInfo/Scope``);
  /// NULL for runs stored before it was kept, which trends judge by their size.
  static let version4 = """
    ALTER TABLE runs ADD COLUMN scope TEXT;
    """
}

extension SchemaMigrations {
  /// Runs written as they stream, a `runs` row marked `pending` while being written.
  ///
  /// The marks are the writer's token, host, process id and when it was last seen alive (Unix
  /// seconds); readers skip a pending row, and finishing the run clears them. Rows stored
  /// before are complete (`pending` NULL).
  static let version5 = """
    ALTER TABLE runs ADD COLUMN pending TEXT;
    ALTER TABLE runs ADD COLUMN pending_host TEXT;
    ALTER TABLE runs ADD COLUMN pending_pid INTEGER;
    ALTER TABLE runs ADD COLUMN pending_heartbeat INTEGER;
    CREATE INDEX runs_pending ON runs (pending) WHERE pending IS NOT NULL;
    """
}

extension SchemaMigrations {
  /// Golden threads stored once, shared by every run of the same fixtures.
  ///
  /// `golden_threads` holds each distinct thread's event JSONL under its key
  /// (``StoredRun/goldenKey(thread:_:)``); a `run_threads` row names it in `golden` and leaves its
  /// own `events` empty. Rows stored before (and a thread whose key holds other bytes) keep
  /// their events in `run_threads.events`, `golden` NULL.
  static let version6 = """
    CREATE TABLE golden_threads (
      key TEXT NOT NULL PRIMARY KEY,
      events TEXT NOT NULL
    );
    ALTER TABLE run_threads ADD COLUMN golden TEXT;
    """
}
