import ArgumentParser
import Foundation
import RefoldCore
import RefoldReport
import RefoldShared
import RefoldStore

/// `refold import-run RESULTS.json`: store a run from its results file.
///
/// For a run whose evaluation finished but could not be stored (the store was busy or full):
/// `refold eval` says which files to import.
struct ImportRunCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "import-run",
    abstract: "Store a run from its results.json (an evaluation whose run was not stored).")

  @Argument(help: "A results.json file that refold eval wrote.")
  var results: [String]

  @OptionGroup var store: StoreOptions

  func validate() throws {
    guard !results.isEmpty else { throw ValidationError("give at least one results file") }
  }

  func run() throws {
    // An evaluation's results.json stores every variant's run.
    let runs = try results.flatMap { path -> [(String, RunResults)] in
      guard FileManager.default.fileExists(atPath: path) else {
        throw CLIError("no results file at \(path)")
      }
      return try ResultsReader.readEvaluation(from: path).runs.map { (path, $0) }
    }
    let runStore = try store.openStores(creating: true).runStore()
    let out = CLIContext.current.stdout
    for (path, run) in runs {
      try runStore.save(run)
      out.line(
        "stored run \(run.run.id) (suite \(run.run.suite), \(run.cases.count) cases) from \(path)")
    }
  }
}
