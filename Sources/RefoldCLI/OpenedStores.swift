import RefoldCore
import RefoldPostgres
import RefoldShared
import RefoldStore

/// The stores of one `--db`: an SQLite file, or a PostgreSQL server that a `postgresql://`
/// URL names; the one place the commands get their event, cassette, run and recording
/// stores from.
///
/// The stores of one engine share one connection. Nothing of PostgreSQL runs for an SQLite
/// path.
public enum OpenedStores: Sendable {
  case sqlite(RefoldDatabase)
  case postgres(PostgresConnection)

  /// The event store, folding threads with `reducer`.
  public func eventStore(reducer: ThreadReducer = ThreadReducer()) throws
    -> any StreamingEventStore
  {
    switch self {
    case .sqlite(let database): return SQLiteEventStore(database: database, reducer: reducer)
    case .postgres(let connection):
      return try PostgresEventStore(connection: connection, reducer: reducer)
    }
  }

  /// The cassette store (recorded model exchanges).
  public func cassetteStore() throws -> any CassetteStore {
    switch self {
    case .sqlite(let database): return SQLiteCassetteStore(database: database)
    case .postgres(let connection): return try PostgresCassetteStore(connection: connection)
    }
  }

  /// The run store.
  public func runStore() throws -> any RunStore {
    switch self {
    case .sqlite(let database): return SQLiteRunStore(database: database)
    case .postgres(let connection): return try PostgresRunStore(connection: connection)
    }
  }

  /// Every stored run, oldest first, with its summary.
  public func allRuns() throws -> [RunRecord] {
    switch self {
    case .sqlite(let database): return try SQLiteRunStore(database: database).allRuns()
    case .postgres(let connection): return try PostgresRunStore(connection: connection).allRuns()
    }
  }

  /// The store that writes exchanges and their events in one transaction.
  public func recordingStore() throws -> any RecordingStore {
    switch self {
    case .sqlite(let database): return SQLiteRecordingStore(database: database)
    case .postgres(let connection): return try PostgresRecordingStore(connection: connection)
    }
  }
}
