import ArgumentParser
import Foundation
import RefoldCore
import RefoldStore

/// The options every store command shares: which database, and how threads are read.
///
/// The reducer is the seam for an agent's vocabulary: with no spec the default vocabulary of
/// DESIGN.md applies; a `--spec`/`--suite` option can later supply the spec's intents here.
public struct StoreOptions: ParsableArguments {
  @Option(
    name: .long,
    help: ArgumentHelp(
      "The event store (default: $REFOLD_DB, else \(StoreOptions.defaultPath)).",
      valueName: "path"))
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

  /// Opens the database.
  ///
  /// - Parameter creating: whether a missing database is created (commands that only read
  ///   refuse a missing file instead of leaving an empty one behind).
  public func openDatabase(creating: Bool) throws -> RefoldDatabase {
    let path = databasePath
    if !creating && path != ":memory:" && !FileManager.default.fileExists(atPath: path) {
      throw CLIError("no event store at \(path); import events first or pass --db")
    }
    return try RefoldDatabase(path: path, busy: busyPolicy)
  }

  /// Opens the event store.
  public func openEventStore(creating: Bool) throws -> SQLiteEventStore {
    SQLiteEventStore(database: try openDatabase(creating: creating), reducer: try reducer())
  }
}
