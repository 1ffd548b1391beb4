import Foundation
import RefoldCore
import Synchronization

/// One Refold database file and the single connection that serves it in this process.
///
/// The event, cassette and run stores of one file share a `RefoldDatabase`:
///
/// ```swift
/// let database = try RefoldDatabase(path: ".refold/refold.sqlite")
/// let events = SQLiteEventStore(database: database)
/// let runs = SQLiteRunStore(database: database)
/// ```
///
/// Each store also has an `init(path:)` that opens its own `RefoldDatabase`; several
/// connections (or processes) on the same file are safe: WAL mode lets readers proceed, and
/// writes serialise on `BEGIN IMMEDIATE`, waiting as ``BusyPolicy`` says. Opening creates the
/// parent directories and brings the schema up to date (in `BEGIN IMMEDIATE`, so several
/// processes creating one new file at once apply it once).
public final class RefoldDatabase: Sendable {
  /// The database path (`:memory:` for a private in-memory database).
  public let path: String
  private let connection: Mutex<SQLiteConnection>

  /// Opens or creates the database at `path`.
  ///
  /// - Parameter busy: how long a writer waits for another's lock.
  /// - Throws: ``StoreError`` when the directory cannot be created, the file is not a
  ///   SQLite database, its schema is newer than this version knows, or another writer
  ///   holds it for longer than the busy timeout.
  public init(path: String, busy: BusyPolicy = .standard) throws {
    self.path = path
    if path != ":memory:" && !path.isEmpty {
      let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
      do {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
      } catch {
        throw StoreError.unwritable(
          path: directory.path,
          reason: "cannot create the database directory (\(SystemReason.of(error)))")
      }
    }
    let opened = try SQLiteConnection(path: path, busy: busy)
    try SchemaMigrations.migrate(opened)
    connection = Mutex(opened)
  }

  /// Runs `body` with exclusive use of the connection.
  public func withConnection<Result: Sendable>(
    _ body: (SQLiteConnection) throws -> Result
  ) throws -> Result {
    try connection.withLock { connection in try body(connection) }
  }

  /// The schema version of the open database.
  public func schemaVersion() throws -> Int {
    try withConnection { try SchemaMigrations.userVersion($0) }
  }
}
