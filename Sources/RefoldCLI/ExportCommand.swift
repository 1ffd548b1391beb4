import ArgumentParser
import RefoldCore
import RefoldStore

/// `refold export THREAD... [-o FILE]`: threads as event JSONL.
struct ExportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "export",
    abstract: "Write threads as event JSONL (standard output by default).",
    discussion: """
      A file is written through a temporary file and a rename, so a failure never leaves \
      half a file.
      """)

  @OptionGroup var store: StoreOptions

  @Argument(help: ArgumentHelp("Thread ids.", valueName: "thread"))
  var threads: [String]

  @Option(name: [.short, .customLong("output")], help: "Write to this file.")
  var output: String?

  func validate() throws {
    if threads.isEmpty { throw ValidationError("give at least one thread") }
  }

  func run() throws {
    let exporter = EventExporter(store: try store.openEventStore(creating: false))
    if let output {
      try exporter.export(threads, toFile: output)
    } else {
      let stdout = CLIContext.current.stdout
      try exporter.export(threads) { stdout.write($0) }
    }
  }
}
