import RefoldCore
import RefoldServer
import RefoldStore

extension ImportCommand {
  /// `refold import --otel FILE...`: conversations in OTLP JSON traces become threads, model
  /// calls exchanges in the store's cassette.
  func importOTLP() throws {
    let output = CLIContext.current.stdout
    let database = try store.openDatabase(creating: true)
    let events = SQLiteEventStore(database: database, reducer: try store.reducer())
    let cassette = SQLiteCassetteStore(database: database)
    let importer = OTLPImporter()
    do {
      for file in files {
        let summary = try importer.importFile(file, into: events, cassette: cassette)
        output.line(
          "imported \(file) into \(store.databasePath): \(summary.modelCalls) model calls, "
            + "\(summary.threads) threads, \(summary.written) events written, "
            + "\(summary.skipped) skipped (already stored), \(summary.exchanges) exchanges")
      }
    } catch let error as ServerError {
      throw CLIError(error.description)
    }
  }
}
