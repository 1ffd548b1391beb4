import ArgumentParser
import Foundation
import RefoldCore
import RefoldReport
import RefoldShared
import RefoldStore

/// `refold report RUN`: re-render every report format of a stored run.
struct ReportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "report",
    abstract: "Re-render the reports of a stored run (or a results.json).")

  @Argument(help: "A run id in the store, or a results.json file.")
  var reference: String

  @Option(name: .long, help: "Where reports go (default: reports/<suite>/<run>/).")
  var out: String?

  @OptionGroup var store: StoreOptions

  func run() throws {
    let results = try RunLocator.load(reference, store: store)
    var history: [RunRecord] = []
    let path = store.databasePath
    if path == ":memory:" || FileManager.default.fileExists(atPath: path) {
      history = try SQLiteRunStore(database: try store.openDatabase(creating: false))
        .runs(suite: results.run.suite)
    }
    let layout = ReportLayout(suite: results.run.suite, runID: results.run.id, out: out)
    let written = try ReportBundle.write(results, history: history, layout: layout)
    let output = CLIContext.current.stdout
    for file in written { output.line(file) }
  }
}
