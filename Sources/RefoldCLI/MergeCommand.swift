import ArgumentParser
import Foundation
import RefoldCore
import RefoldEval
import RefoldReport
import RefoldShared
import RefoldStore

/// `refold merge RESULTS...`: combine the shards of one evaluation into one run.
struct MergeCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "merge",
    abstract: "Merge shard results (--shard K/N) into one run, stored and written.",
    discussion: "The summary is recomputed from the cases, so it equals an unsharded run.")

  @Argument(help: "results.json files (or their directories) of the shards.")
  var results: [String]

  @Option(name: [.short, .long], help: "Where to write the merged results.json.")
  var output: String = "results.json"

  @OptionGroup var store: StoreOptions

  func validate() throws {
    guard !results.isEmpty else { throw ValidationError("give at least one results file") }
  }

  func run() throws {
    let shards = try results.map { reference -> RunResults in
      guard FileManager.default.fileExists(atPath: reference) else {
        throw CLIError("no results file at \(reference)")
      }
      return try RunLocator.load(reference, store: store)
    }
    var merged = try RunResults.merge(shards)
    // The merged run is a run of its own, next to the shards in the store.
    merged.run.id =
      "\(RunLocator.stamp(CLIContext.current.dependencies.now()))-\(merged.run.variant)"
    try ResultsWriter.write(merged, to: output)
    try store.openStores(creating: true).runStore().save(merged)
    let out = CLIContext.current.stdout
    out.line(
      "merged \(shards.count) shards into run \(merged.run.id): \(merged.cases.count) cases, "
        + "written to \(output)")
    out.line(EvalCommand.summaryBlocks([merged]))
  }
}
