import ArgumentParser
import Foundation
import RefoldCore
import RefoldReport

/// `refold compare RUN_A RUN_B`: a paired comparison of two runs on the cases they share.
struct CompareCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "compare",
    abstract: "Compare two runs on their shared cases (paired bootstrap, McNemar).",
    discussion: "Each run is a run id in the store or a results.json file (or its directory).")

  @Argument(help: "The baseline run.")
  var baseline: String

  @Argument(help: "The candidate run.")
  var candidate: String

  @Flag(name: .long, help: "Print the comparison as JSON (refold.comparison/v1).")
  var json = false

  @Option(name: .long, help: "Also write comparison.json and comparison.html here.")
  var out: String?

  @Option(name: .long, help: "Seed of the bootstrap resampling.")
  var seed: UInt64 = 0x5EED

  @OptionGroup var store: StoreOptions

  func run() throws {
    // A comparison reads each case's verdict and intents: stored runs give their outlines
    // without their cases' bodies or golden threads.
    let a = try RunLocator.loadOutline(baseline, store: store)
    let b = try RunLocator.loadOutline(candidate, store: store)
    let comparison = Comparison.compare(a, b, seed: seed)
    guard !comparison.isEmpty else {
      throw CLIError(
        "runs \(a.run.id) and \(b.run.id) share no cases; compare runs of the same suite")
    }
    let output = CLIContext.current.stdout
    if json {
      output.line(String(decoding: try comparison.jsonData(), as: UTF8.self))
    } else {
      output.line(comparison.text)
    }
    if let out {
      for path in try ComparisonWriter().write([comparison], to: out) {
        CLIContext.current.stderr.line("wrote \(path)")
      }
    }
  }
}
