import ArgumentParser
import Foundation
import RefoldCore
import RefoldPostgres
import RefoldShared
import RefoldStore

/// The options every store command shares: which database, and how threads are read.
///
/// The reducer is the seam for an agent's vocabulary: with no spec the default vocabulary of
/// DESIGN.md applies; a `--spec`/`--suite` option can later supply the spec's intents here.
public struct StoreOptions: ParsableArguments {
  @Option(
    name: .long,
    help: ArgumentHelp(
      "The store: an SQLite file, or a postgresql://user@host:port/database URL (default: "
        + "$REFOLD_DB, else \(StoreOptions.defaultPath)).",
      valueName: "path-or-url"))
  public var db: String?

  @Option(
    name: .customLong("busy-timeout"),
    help: ArgumentHelp(
      "How long a writer waits for another writer's lock before giving up with exit 4 "
        + "(default: $REFOLD_BUSY_TIMEOUT, else \(Int(StoreOptions.defaultBusyTimeout)) s).",
      valueName: "seconds"))
  public var busyTimeout: Double?

  public init() {}

  /// How long a writer waits when neither `--busy-timeout` nor `REFOLD_BUSY_TIMEOUT` says.
  public static let defaultBusyTimeout: Double = 120

  public func validate() throws {
    if let busyTimeout, !(busyTimeout >= 0 && busyTimeout.isFinite) {
      throw ValidationError("--busy-timeout must be a number of seconds, 0 or more")
    }
  }

  /// How long a writer waits for the lock, and the progress line it draws on a terminal.
  public var busyPolicy: BusyPolicy {
    let context = CLIContext.current
    let seconds =
      busyTimeout ?? context.environment["REFOLD_BUSY_TIMEOUT"].flatMap(Double.init)
      ?? StoreOptions.defaultBusyTimeout
    let timeout = Duration.milliseconds(Int64(seconds * 1000))
    let path = databasePath
    let stderr = context.stderr
    let drawn = isatty(STDERR_FILENO) == 1 && stderr is FileDescriptorOutput
    return BusyPolicy(timeout: timeout, writer: context.command) { waited in
      guard drawn else { return }
      let note = "\r\u{1B}[2Krefold: waiting for another writer of \(path): "
      stderr.write(note + "\(waited.components.seconds) s of \(Int(seconds)) s")
    }
  }

  /// Where the database is when neither `--db` nor `REFOLD_DB` says.
  public static let defaultPath = ".refold/refold.sqlite"

  /// The database path: `--db`, else `REFOLD_DB`, else the default.
  public var databasePath: String {
    if let db, !db.isEmpty { return db }
    if let path = CLIContext.current.environment["REFOLD_DB"], !path.isEmpty { return path }
    return StoreOptions.defaultPath
  }

  /// The reducer threads are folded with.
  public func reducer() throws -> ThreadReducer {
    ThreadReducer()
  }

  /// Whether a store location names a PostgreSQL server (`postgresql://` or `postgres://`).
  public static func isPostgresURL(_ location: String) -> Bool {
    location.hasPrefix("postgresql://") || location.hasPrefix("postgres://")
  }

  /// The database as messages name it: the path, or the URL without its password.
  public var databaseName: String { StoreOptions.displayName(of: databasePath) }

  /// `location` as messages name it: a URL's password is left out.
  public static func displayName(of location: String) -> String {
    guard isPostgresURL(location), var components = URLComponents(string: location),
      components.password != nil
    else { return location }
    components.password = nil
    return components.string ?? location
  }

  /// Whether there is a store to read: a PostgreSQL URL (its server is asked when opened),
  /// `:memory:`, or an existing SQLite file.
  public var storeExists: Bool {
    let path = databasePath
    return StoreOptions.isPostgresURL(path) || path == ":memory:"
      || FileManager.default.fileExists(atPath: path)
  }

  /// Opens the stores at `--db` (or `REFOLD_DB`): an SQLite file or a PostgreSQL server.
  ///
  /// - Parameter creating: whether a missing SQLite file is created (commands that only read
  ///   refuse a missing file instead of leaving an empty one behind).
  /// - Throws: ``CLIError`` for a missing file; ``PostgresError/unreachable(host:port:reason:)``
  ///   (exit 4) when no PostgreSQL server answers.
  public func openStores(creating: Bool) throws -> OpenedStores {
    try StoreOptions.open(databasePath, creating: creating, busy: busyPolicy)
  }

  /// Opens the stores at `location`: a `postgresql://` URL or an SQLite path.
  public static func open(_ location: String, creating: Bool, busy: BusyPolicy = .standard)
    throws -> OpenedStores
  {
    if isPostgresURL(location) {
      let connection = try PostgresConnection(url: location)
      try PostgresMigrations.migrate(connection)
      return .postgres(connection)
    }
    if !creating && location != ":memory:" && !FileManager.default.fileExists(atPath: location) {
      throw CLIError("no event store at \(location); import events first or pass --db")
    }
    return .sqlite(try RefoldDatabase(path: location, busy: busy))
  }

  /// Opens the event store.
  public func openEventStore(creating: Bool) throws -> any StreamingEventStore {
    try openStores(creating: creating).eventStore(reducer: try reducer())
  }
}
