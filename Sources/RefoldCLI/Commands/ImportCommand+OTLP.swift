import RefoldCore
import RefoldServer
import RefoldStore

extension ImportCommand {
  /// `refold import --otel FILE...`: conversations in OTLP JSON traces become threads, model
  /// calls exchanges in the store's cassette.
  func importOTLP() throws {
    let output = CLIContext.current.stdout
    let importer = OTLPImporter()
    // Every file is read and checked before the store is opened or anything is written.
    let parsed = try files.map { file throws(ServerError) in
      (file, try importer.parse(file: file))
    }
    let database = try store.openDatabase(creating: true)
    let events = SQLiteEventStore(database: database, reducer: try store.reducer())
    let cassette = SQLiteCassetteStore(database: database)
    for (file, result) in parsed {
      let summary = try importer.store(result, into: events, cassette: cassette)
      output.line(
        "imported \(file) into \(store.databasePath): \(summary.modelCalls) model calls, "
          + "\(summary.threads) threads, \(summary.written) events written, "
          + "\(summary.skipped) skipped (already stored), \(summary.exchanges) exchanges")
    }
  }
}
