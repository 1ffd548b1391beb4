import ArgumentParser
import RefoldCore
import RefoldEval
import RefoldModels
import RefoldServer
import RefoldStore

/// `refold promote THREAD --suite evals/NAME`: a recorded thread becomes a golden fixture.
struct PromoteCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "promote",
    abstract: "Copy a recorded thread and its exchanges into a suite, redacted.",
    discussion: """
      Writes the thread as <fixtures dir>/<thread>.jsonl (the directory of the suite's first \
      fixtures pattern), appends the exchanges its decisions name to the suite's cassette, and \
      adds an expectations stub for a person to edit. The suite's redaction rules apply to \
      events and exchanges alike; an exchange whose request changed gets the key a replay of \
      the redacted fixture computes.
      """)

  @OptionGroup var store: StoreOptions

  @Argument(help: ArgumentHelp("The recorded thread.", valueName: "thread"))
  var thread: String

  @Option(help: ArgumentHelp("The suite directory or its suite.yaml.", valueName: "path"))
  var suite: String

  @Option(name: .customLong("as"), help: ArgumentHelp("The fixture's thread id.", valueName: "id"))
  var name: String?

  @Option(help: ArgumentHelp("Whose cassette receives the exchanges (default: the first)."))
  var variant: String?

  @Flag(help: "Overwrite an existing fixture of the same name.")
  var replace = false

  func run() throws {
    let context = CLIContext.current
    let stores = try store.openStores(creating: false)
    let environment = context.environment
    let promoter = Promoter(
      events: try stores.eventStore(),
      cassette: try stores.cassetteStore(),
      loadSuite: {
        try SuiteLoader(
          specLoader: AgentSpecLoader(environment: environment),
          requiresFixtures: false
        ).load($0)
      },
      openCassette: { try JSONLCassette(path: $0) })
    let summary = try promoter.promote(
      thread: thread, suite: suite, as: name, variant: variant, replace: replace)
    context.stdout.line(
      "promoted \(thread) as \(summary.thread): \(summary.events) events → \(summary.fixture), "
        + "\(summary.exchanges) exchanges → \(summary.cassette)"
        + (summary.rekeyed > 0 ? " (\(summary.rekeyed) re-keyed after redaction)" : "")
        + ", expectations stub → \(summary.expectations)")
    for key in summary.missing {
      context.stderr.line("refold: note: exchange \(key) is not in the store; not copied")
    }
    for note in summary.notes { context.stderr.line("refold: note: \(note)") }
  }
}
