import ArgumentParser
import RefoldModels

/// `refold cassette check FILE...`: every line of each cassette verified, for CI.
///
/// Exit 0 when every line is an exchange with known fields, a key that is the hash of its
/// request, an answer in its provider's format and `n` in order; else one line per problem
/// on standard error and exit 2.
struct CassetteCheckCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "check",
    abstract: "Verify every line of a cassette: keys, fields, answers, n (exit 0 or 2).")

  @Argument(help: "Cassette JSONL files.")
  var files: [String]

  func validate() throws {
    guard !files.isEmpty else { throw ValidationError("give at least one cassette file") }
  }

  func run() throws {
    let context = CLIContext.current
    var problems: [String] = []
    for file in files {
      let found = try JSONLCassette.problems(path: file)
      problems += found
    }
    for problem in problems { context.stderr.line("refold: \(problem)") }
    guard problems.isEmpty else {
      throw CLIError(
        "\(problems.count) cassette lines do not verify; re-record them, or run "
          + "`refold cassette rekey FILE` after a deliberate edit")
    }
    context.stdout.line("\(files.count) cassettes verified")
  }
}
