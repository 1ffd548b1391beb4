import ArgumentParser
import RefoldCore

/// `refold copy --from STORE --to STORE`: threads, exchanges and runs from one store to
/// another (an SQLite file or a `postgresql://` URL, either way).
struct CopyCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "copy",
    abstract: "Copy threads, cassette exchanges and runs between stores (SQLite or PostgreSQL).",
    discussion: """
      Idempotent and resumable: what the target already holds is skipped, so running the \
      same copy again writes nothing, and an interrupted copy resumes where it stopped. \
      A target holding different events or exchanges at the same place stops the copy \
      with exit 2.
      """)

  @Option(
    help: ArgumentHelp(
      "The store to copy from: an SQLite file or a postgresql:// URL.", valueName: "path-or-url"))
  var from: String

  @Option(
    help: ArgumentHelp(
      "The store to copy into (created when it is a missing SQLite file).",
      valueName: "path-or-url"))
  var to: String

  func validate() throws {
    guard from != to else { throw ValidationError("--from and --to name the same store") }
  }

  func run() throws {
    let source = try StoreOptions.open(from, creating: false)
    let target = try StoreOptions.open(to, creating: true)
    let summary = try StoreCopier(source: source, target: target).copy()
    CLIContext.current.stdout.line(
      "copied \(StoreOptions.displayName(of: from)) into \(StoreOptions.displayName(of: to)): "
        + "\(summary.threads) threads, \(summary.events.written) events written "
        + "(\(summary.events.skipped) already there), \(summary.exchanges.written) exchanges "
        + "(\(summary.exchanges.skipped) already there), \(summary.runs.written) runs "
        + "(\(summary.runs.skipped) already there)")
  }
}
