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

  @Argument(help: "A run id in the store, or a results.json file (a run's or an evaluation's).")
  var reference: String

  @Option(name: .long, help: "Where reports go (default: reports/<suite>/<run>/).")
  var out: String?

  @OptionGroup var store: StoreOptions

  @Option(
    name: .long,
    help:
      "The URL the reports are published under, for absolute links in summary.md (or REFOLD_REPORT_URL)."
  )
  var reportURL: String?

  func run() throws {
    // An evaluation's results.json of several variants is re-rendered whole.
    let file = try RunLocator.loadFile(reference)
    let runs = try file?.runs ?? [RunLocator.load(reference, store: store)]
    let first = runs[0]
    var history: [RunRecord] = []
    if store.storeExists {
      history = try store.openStores(creating: false).runStore().runs(suite: first.run.suite)
    }
    let manifest = file?.manifest
    let comparisons =
      manifest?.comparisons.compactMap { entry -> Comparison? in
        guard let baseline = runs.first(where: { $0.run.id == entry.baselineRun }),
          let candidate = runs.first(where: { $0.run.id == entry.candidateRun })
        else { return nil }
        return Comparison.compare(baseline, candidate)
      } ?? []
    let evaluationID = manifest?.evaluation.id ?? first.run.id
    let layout = ReportLayout(suite: first.run.suite, runID: evaluationID, out: out)
    let written = try ReportBundle.write(
      evaluation: runs, evaluationID: evaluationID, history: history, comparisons: comparisons,
      layout: layout,
      reportURL: reportURL ?? CLIContext.current.environment["REFOLD_REPORT_URL"])
    let output = CLIContext.current.stdout
    for file in written { output.line(file) }
  }
}
