import ArgumentParser
import RefoldCore
import RefoldStore

/// `refold import FILE...`: append event JSONL to the store, all files or nothing.
struct ImportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "import",
    abstract: "Append event JSONL files to the store (transactional, idempotent).",
    discussion: """
      Every line of every file is validated first; then all events are appended in one \
      transaction. A line whose id is already stored with the same content is skipped.
      """)

  @OptionGroup var store: StoreOptions

  @Argument(help: ArgumentHelp("Event JSONL files.", valueName: "file"))
  var files: [String]

  @Flag(
    help:
      "The files are OTLP JSON traces and logs (GenAI semantic conventions), imported together."
  )
  var otel = false

  func validate() throws {
    if files.isEmpty { throw ValidationError("give at least one event JSONL file") }
    if files.contains("-") {
      throw ValidationError(
        "import reads each file twice (validate, then append); save standard input to a file")
    }
  }

  func run() throws {
    if otel { return try importOTLP() }
    let output = CLIContext.current.stdout
    // A file that does not open stops the import before a store is created or opened.
    for file in files { try JSONLReader(path: file).checkReadable() }
    let eventStore = try store.openEventStore(creating: true)
    let summary = try EventImporter(store: eventStore).importFiles(files)
    let fileWord = summary.files == 1 ? "file" : "files"
    let threadWord = summary.threads == 1 ? "thread" : "threads"
    output.line(
      "imported \(summary.files) \(fileWord) into \(store.databaseName): "
        + "\(summary.written) events written, \(summary.skipped) skipped (already stored), "
        + "\(summary.threads) \(threadWord)")
  }
}
