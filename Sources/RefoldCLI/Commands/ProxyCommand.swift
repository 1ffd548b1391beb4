import ArgumentParser
import RefoldCore
import RefoldModels
import RefoldServer
import RefoldStore

/// `refold proxy --upstream URL`: a recording OpenAI/Anthropic proxy.
struct ProxyCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "proxy",
    abstract: "Forward OpenAI/Anthropic requests upstream and record every exchange.",
    discussion: """
      Point an agent's base URL at http://HOST:PORT/v1. Each POST /v1/chat/completions and \
      POST /v1/messages goes to {upstream}/chat/completions or {upstream}/messages with the \
      client's headers; the answer comes back unchanged and is recorded in the store's \
      cassette. A request with an X-Refold-Thread header (or metadata.refold_thread) also \
      records that thread from the wire: the user text and tool results its messages add \
      since the last exchange, then the decoded intent once the client received the answer \
      (a final text answer is --final-intent). GET routes (/v1/models) are forwarded. API \
      keys are forwarded, never stored. Streaming requests are refused with HTTP 400.
      """)

  @OptionGroup var store: StoreOptions

  @Option(
    help: ArgumentHelp("The upstream base URL (https://api.openai.com/v1).", valueName: "url"))
  var upstream: String

  @Option(help: ArgumentHelp("Where to listen, HOST:PORT.", valueName: "address"))
  var listen: String = ListenAddress.loopbackDefault.description

  @Option(
    help: ArgumentHelp("An agent spec whose intents decode the answers.", valueName: "agent.yaml"))
  var spec: String?

  @Option(help: ArgumentHelp("Seconds to wait for the upstream.", valueName: "seconds"))
  var timeout: Double = 300

  @Option(
    help: ArgumentHelp("The intent a final text answer is recorded as.", valueName: "intent"))
  var finalIntent: String = "done_for_now"

  @Option(
    help: ArgumentHelp(
      "The event type of the user and system text in the requests.", valueName: "type"))
  var inputType: String = "user_input"

  func run() async throws {
    let context = CLIContext.current
    let address = try ListenAddress(parsing: listen)
    try RecordingProxy.validateUpstream(upstream)
    let agent = try spec.map {
      try AgentSpecLoader(environment: context.environment).load(path: $0)
    }
    let stores = try store.openStores(creating: true)
    let events = try stores.eventStore(reducer: agent?.reducer ?? ThreadReducer())
    let proxy = try RecordingProxy(
      upstream: upstream, events: events, cassette: try stores.cassetteStore(),
      spec: agent, timeout: timeout, finalIntent: finalIntent, inputType: inputType,
      dependencies: context.dependencies)
    let running = try await proxy.start(listen: address)
    context.stdout.line(
      "refold proxy: listening on \(running.baseURL)/v1, forwarding to \(upstream), "
        + "recording into \(store.databaseName)")
    try await running.waitUntilInterrupted()
  }
}
