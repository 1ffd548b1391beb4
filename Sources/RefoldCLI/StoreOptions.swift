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

  public init() {}

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
    return try RefoldDatabase(path: path)
  }

  /// Opens the event store.
  public func openEventStore(creating: Bool) throws -> SQLiteEventStore {
    SQLiteEventStore(database: try openDatabase(creating: creating), reducer: try reducer())
  }
}
