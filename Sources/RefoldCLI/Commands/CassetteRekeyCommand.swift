import ArgumentParser
import RefoldModels

/// `refold cassette rekey FILE...`: each line's key set to the hash of its request, and `n`
/// counted again, rewritten atomically, after a deliberate edit of requests.
struct CassetteRekeyCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "rekey",
    abstract: "Set every line's key to the hash of its request after a deliberate edit.")

  @Argument(help: "Cassette JSONL files.")
  var files: [String]

  func validate() throws {
    guard !files.isEmpty else { throw ValidationError("give at least one cassette file") }
  }

  func run() throws {
    let output = CLIContext.current.stdout
    for file in files {
      let changed = try JSONLCassette.rekey(path: file)
      output.line("\(file): \(changed) lines rekeyed")
    }
  }
}
