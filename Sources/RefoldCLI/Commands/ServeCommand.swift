import ArgumentParser
import Foundation
import RefoldCore
import RefoldModels
import RefoldServer
import RefoldStore

/// `refold serve --spec agent.yaml`: the agent as an HTTP service.
struct ServeCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "serve",
    abstract: "Run an agent spec live: launch threads, pause for people, resume on webhooks.",
    discussion: """
      POST /threads launches a thread from a trigger event and advances it until it pauses; \
      GET /threads/ID returns its events and state; POST /threads/ID/events appends an \
      approval or human_response and advances again. Tools run as the commands the spec's \
      intents name (`command:`), or a tools file (parameters as JSON on stdin, result as JSON \
      on stdout). With \
      --webhook-secret-env every POST must carry X-Refold-Signature: t=<unix seconds>,v1=<hex \
      HMAC-SHA256 of "<t>.<METHOD>.<path>.<body>">; a signature older than \
      --signature-tolerance, already used, or made for another path is refused (401). \
      Threads live in the store; a restarted server continues them.
      """)

  enum ModelMode: String, ExpressibleByArgument, CaseIterable {
    case live, recorded
  }

  @OptionGroup var store: StoreOptions

  @Option(help: ArgumentHelp("The agent spec.", valueName: "agent.yaml"))
  var spec: String

  @Option(help: ArgumentHelp("Where to listen, HOST:PORT.", valueName: "address"))
  var listen: String = ListenAddress.loopbackDefault.description

  @Option(
    help: ArgumentHelp(
      "A tools file whose commands add to (and override) the spec's intent commands "
        + "(default: tools.yaml next to the spec, when it exists).",
      valueName: "tools.yaml"))
  var tools: String?

  @Option(
    help: ArgumentHelp(
      "The environment variable holding the webhook HMAC secret.", valueName: "variable"))
  var webhookSecretEnv: String?

  @Option(
    help: ArgumentHelp(
      "Seconds a webhook signature's timestamp may be away from now.", valueName: "seconds"))
  var signatureTolerance: Double = WebhookSignature.defaultTolerance

  @Flag(help: "Also accept body-only webhook signatures (sha256=<hex> of the body).")
  var legacySignatures = false

  @Option(
    help: ArgumentHelp(
      "live: ask the spec's model and record each exchange in the store; recorded: answer "
        + "from --cassette only."))
  var model: ModelMode = .live

  @Option(help: ArgumentHelp("The cassette JSONL for --model recorded.", valueName: "file"))
  var cassette: String?

  @Option(
    help: ArgumentHelp(
      "The model endpoint, overriding the spec (and $REFOLD_BASE_URL).", valueName: "url"))
  var baseURL: String?

  func validate() throws {
    if !(signatureTolerance > 0) {
      throw ValidationError("--signature-tolerance must be a positive number of seconds")
    }
    if model == .recorded && cassette == nil {
      throw ValidationError("--model recorded needs --cassette FILE")
    }
  }

  func run() async throws {
    let context = CLIContext.current
    let address = try ListenAddress(parsing: listen)
    let agent = try AgentSpecLoader(environment: context.environment, baseURLOverride: baseURL)
      .load(path: spec)
    var secret: String?
    if let webhookSecretEnv {
      guard let value = context.environment[webhookSecretEnv], !value.isEmpty else {
        throw CLIError("the webhook secret variable \(webhookSecretEnv) is not set")
      }
      secret = value
    }
    let specDirectory = URL(fileURLWithPath: spec).deletingLastPathComponent().path
    let toolsPath = tools ?? Self.defaultToolsPath(spec: spec)
    let fromFile = try toolsPath.map { try ToolCommands.load(path: $0) } ?? [:]
    let commands = ToolCommands.named(in: agent, directory: specDirectory)
      .merging(fromFile) { _, file in file }
    // Everything is checked before the store is opened, so bad input creates nothing.
    let makeSource: (OpenedStores) throws -> any ModelSource
    switch model {
    case .live:
      let live = try LiveModelSource(
        settings: agent.model, environment: context.environment,
        dependencies: context.dependencies)
      let timestamp = context.dependencies.timestamp
      makeSource = {
        StoringModelSource(
          live: live, cassette: try $0.cassetteStore(), clock: timestamp)
      }
    case .recorded:
      let recorded = RecordedModelSource(cassette: try JSONLCassette(path: cassette ?? ""))
      makeSource = { _ in recorded }
    }
    let stores = try store.openStores(creating: true)
    let source = try makeSource(stores)
    let loop = AgentLoop(
      spec: agent, decider: try ModelDecider(spec: agent, source: source),
      tools: CommandToolRunner(commands: commands, clock: context.dependencies.clock),
      clock: context.dependencies.timestamp)
    let service = AgentService(
      loop: loop, events: try stores.eventStore(reducer: agent.reducer),
      webhookSecret: secret, signatureTolerance: signatureTolerance,
      legacySignatures: legacySignatures, now: context.dependencies.now,
      clock: context.dependencies.timestamp)
    let running = try await service.start(listen: address)
    context.stdout.line(
      "refold serve: \(agent.name) on \(running.baseURL) (POST /threads), "
        + "\(commands.count) tool command(s), store \(store.databaseName)"
        + (secret == nil ? "" : ", webhooks signed"))
    try await running.waitUntilInterrupted()
  }

  /// `tools.yaml` next to the spec, when it exists.
  static func defaultToolsPath(spec: String) -> String? {
    let path = URL(fileURLWithPath: spec).deletingLastPathComponent()
      .appendingPathComponent("tools.yaml").path
    return FileManager.default.fileExists(atPath: path) ? path : nil
  }
}
