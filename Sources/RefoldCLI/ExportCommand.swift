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
  var threads: [String] = []

  @Flag(help: "Export every thread of the store, in thread order (one pass over the store).")
  var all = false

  @Option(name: [.short, .customLong("output")], help: "Write to this file.")
  var output: String?

  func validate() throws {
    if threads.isEmpty && !all { throw ValidationError("give at least one thread, or --all") }
    if !threads.isEmpty && all { throw ValidationError("give thread ids or --all, not both") }
  }

  func run() throws {
    let exporter = EventExporter(store: try store.openEventStore(creating: false))
    switch (output, all) {
    case (let output?, true): try exporter.exportAll(toFile: output)
    case (let output?, false): try exporter.export(threads, toFile: output)
    case (nil, true):
      let stdout = CLIContext.current.stdout
      try exporter.exportAll { stdout.write($0) }
    case (nil, false):
      let stdout = CLIContext.current.stdout
      try exporter.export(threads) { stdout.write($0) }
    }
  }
}
