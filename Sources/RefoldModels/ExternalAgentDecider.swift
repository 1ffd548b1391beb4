import Foundation
import RefoldCore
import Synchronization

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

/// Asks the team's own agent for each decision through `refold.next-step/v1`: a command
/// agent over stdin and stdout, or an HTTP agent by POST.
///
/// A command agent runs as one long-lived process per concurrency slot. A crash, a line that
/// is not a protocol answer, or no answer within the timeout is an ``ExternalAgentError``
/// naming the thread and the step (a source error for that decision only); the process is
/// stopped and a new one is started for the next request. `{"error": …}` is the agent's own
/// "could not decide", an invalid-output decision with its message.
///
/// With a ``modelEndpoint`` the agent's own model calls are part of the decision: a command
/// agent's process is started with `OPENAI_BASE_URL`, `ANTHROPIC_BASE_URL` and
/// `REFOLD_MODEL_URL` pointing at its slot, an HTTP agent gets its slot's URL in the
/// `X-Refold-Model-URL` header of each request, the calls show in the raw answer
/// (`model_calls`), and a call the endpoint could not answer (a cassette miss) makes the
/// decision a source error with that miss, whatever the agent answered.
///
/// ```swift
/// let agent = ExternalAgent(endpoint: .command(["python3", "agent.py"]), timeout: 5)
/// let decider = ExternalAgentDecider(agent: agent, suite: "calc", variant: "baseline",
///                                    vocabulary: spec.vocabulary)
/// ```
public struct ExternalAgentDecider: Decider {
  private enum Channel: Sendable {
    case command(CommandAgentPool)
    case http(URL)
  }

  public var agent: ExternalAgent
  public var suite: String
  public var variant: String
  /// Classifies the events sent, to number the decision being asked (`step`).
  public var vocabulary: Vocabulary
  /// The clock timeouts wait on and the transport HTTP agents are asked through.
  public var dependencies: Dependencies
  /// Where the agent's own model calls go (nil: wherever the agent sends them).
  public let modelEndpoint: (any AgentModelEndpoint)?
  private let channel: Channel
  /// The replay this decider asks for: identical model requests of one replay are answered
  /// in recorded order.
  private var sessionID: Int

  /// The header that tells an HTTP agent its slot's model URL.
  public static let modelURLHeader = "X-Refold-Model-URL"

  private static let sessions = Atomic<Int>(0)

  /// A decider for `agent`; `baseEnvironment` is what a command agent inherits before the
  /// agent's own `env:`; `dependencies` times the answers and sends HTTP requests.
  ///
  /// - Throws: ``ExternalAgentError`` for a URL that cannot be parsed.
  public init(
    agent: ExternalAgent, suite: String, variant: String, vocabulary: Vocabulary,
    baseEnvironment: [String: String] = ProcessInfo.processInfo.environment,
    dependencies: Dependencies = .live, modelEndpoint: (any AgentModelEndpoint)? = nil
  ) throws {
    self.modelEndpoint = modelEndpoint
    self.sessionID = Self.sessions.add(1, ordering: .relaxed).newValue
    self.agent = agent
    self.suite = suite
    self.variant = variant
    self.vocabulary = vocabulary
    self.dependencies = dependencies
    switch agent.endpoint {
    case .command(let command):
      guard !command.isEmpty else { throw ExternalAgentError("the agent's command is empty") }
      let environment = baseEnvironment.merging(agent.environment) { _, new in new }
      channel = .command(
        CommandAgentPool(
          command: command, environment: environment, directory: agent.workingDirectory,
          modelEndpoint: modelEndpoint))
    case .url(let text):
      guard let url = URL(string: text), url.scheme == "http" || url.scheme == "https" else {
        throw ExternalAgentError("the agent's url \"\(text)\" is not an http or https URL")
      }
      channel = .http(url)
    }
  }

  /// The index of the decision after `events`: the decisions among them, escalations aside.
  public func step(after events: [Event]) -> Int {
    Self.step(after: events, vocabulary: vocabulary)
  }

  /// The index of the decision after `events` as `vocabulary` classifies them (the `step`
  /// of the next-step request).
  public static func step(after events: [Event], vocabulary: Vocabulary) -> Int {
    var count = 0
    for (index, kind) in vocabulary.classify(events).enumerated() {
      if case .decision = kind, !events[index].isEscalation { count += 1 }
    }
    return count
  }

  /// The same agent, asked for another replay: its model calls count recorded answers from
  /// the first again.
  public func session() -> any Decider {
    var copy = self
    copy.sessionID = Self.sessions.add(1, ordering: .relaxed).newValue
    return copy
  }

  public func decide(thread: String, events: [Event]) async throws -> Decision {
    let step = step(after: events)
    let request = NextStepProtocol.request(
      suite: suite, variant: variant, thread: thread, step: step, events: events)
    let line = request.canonicalString
    let elapsed = dependencies.stopwatch()
    let location = "thread \"\(thread)\" step \(step)"
    var stderr = ""
    let body: JSONValue
    var calls = AgentModelCalls()
    switch channel {
    case .command(let pool):
      let process = try await pool.checkOut()
      let slot = process.slot?.id
      if let slot {
        modelEndpoint?.begin(slot: slot, thread: thread, step: step, session: sessionID)
      }
      /// Stops a failed process; a call the endpoint could not answer is the error.
      func failed(_ error: ExternalAgentError) async throws -> Never {
        let made = finish(slot)
        await pool.discard(process)
        if let failure = made.failure { throw failure }
        throw error
      }
      let answer: String?
      do {
        let dependencies = dependencies
        answer = try await process.ask(line, timeout: agent.timeout) {
          try await dependencies.sleep(seconds: $0)
        }
      } catch {
        try await failed(
          ExternalAgentError(
            "the agent failed at \(location): \(SystemReason.of(error))\(tail(process))"))
      }
      guard let answer else {
        await process.settle()
        try await failed(
          ExternalAgentError(
            "the agent exited at \(location) (\(process.ending)) without answering\(tail(process))"
          ))
      }
      do {
        body = try JSONParser.parse(answer)
      } catch {
        try await failed(
          ExternalAgentError(
            "the agent printed a line that is not JSON at \(location): "
              + "\(String(answer.prefix(200)).debugDescription)\(tail(process))"))
      }
      stderr = process.takeErrors()
      calls = finish(slot)
      await pool.checkIn(process)
    case .http(let url):
      var slot: AgentModelSlot?
      if let modelEndpoint {
        let opened = try await modelEndpoint.openSlot()
        modelEndpoint.begin(slot: opened.id, thread: thread, step: step, session: sessionID)
        slot = opened
      }
      defer { if let slot { modelEndpoint?.closeSlot(slot.id) } }
      do {
        body = try await post(line, to: url, at: location, modelURL: slot?.url)
      } catch {
        if let failure = finish(slot?.id).failure { throw failure }
        throw error
      }
      calls = finish(slot?.id)
    }
    if let failure = calls.failure { throw failure }
    let took = elapsed().components
    let latency = Double(took.seconds) * 1000 + Double(took.attoseconds) / 1e15
    var raw: [String: JSONValue] = ["answer": body]
    if !stderr.isEmpty { raw["stderr"] = .string(stderr) }
    if !calls.exchanges.isEmpty { raw["model_calls"] = .array(calls.exchanges) }
    switch NextStepProtocol.answer(body) {
    case .failure(let problem):
      throw ExternalAgentError("the agent's answer at \(location) is not valid: \(problem.message)")
    case .success(.error(let message)):
      return Decision(
        outcome: .failure("the agent could not decide: \(message)"), exchangeKey: calls.lastKey,
        usage: calls.usage, latencyMilliseconds: latency, renderedContext: line,
        rawResponse: .object(raw))
    case .success(.intent(let intent)):
      return Decision(
        outcome: .intent(intent), exchangeKey: calls.lastKey, usage: calls.usage,
        latencyMilliseconds: latency, renderedContext: line, rawResponse: .object(raw))
    }
  }

  /// The calls made on `slot` for the decision just asked (none without a slot).
  private func finish(_ slot: String?) -> AgentModelCalls {
    guard let slot, let modelEndpoint else { return AgentModelCalls() }
    return modelEndpoint.finish(slot: slot)
  }

  /// POSTs one request to an HTTP agent and reads its answer; no retries.
  private func post(_ line: String, to url: URL, at location: String, modelURL: String?)
    async throws -> JSONValue
  {
    var request = URLRequest(url: url)
    if let modelURL { request.setValue(modelURL, forHTTPHeaderField: Self.modelURLHeader) }
    request.httpMethod = "POST"
    request.httpBody = Data(line.utf8)
    request.setValue("application/json", forHTTPHeaderField: "Content-Type")
    let data: Data
    let response: HTTPURLResponse
    do {
      (data, response) = try await dependencies.send(request, timeout: agent.timeout)
    } catch let error as URLError where error.code == .timedOut {
      throw ExternalAgentError(
        "the agent at \(url.absoluteString) gave no answer within \(agent.timeout) s at \(location)"
      )
    } catch {
      throw ExternalAgentError(
        "the agent at \(url.absoluteString) cannot be reached at \(location): \(SystemReason.of(error))"
      )
    }
    guard (200..<300).contains(response.statusCode) else {
      let text = String(decoding: data.prefix(300), as: UTF8.self)
      throw ExternalAgentError(
        "the agent at \(url.absoluteString) answered HTTP \(response.statusCode) at \(location): \(text)"
      )
    }
    do {
      return try JSONParser.parse(bytes: [UInt8](data))
    } catch {
      throw ExternalAgentError(
        "the agent at \(url.absoluteString) answered a body that is not JSON at \(location)")
    }
  }

  /// The agent's last stderr lines, for an error message.
  private func tail(_ process: AgentProcess) -> String {
    let text = process.takeErrors().trimmingCharacters(in: .whitespacesAndNewlines)
    guard !text.isEmpty else { return "" }
    let lines = text.split(separator: "\n").suffix(5).joined(separator: "\n")
    return "; its stderr ends: \(lines)"
  }
}
