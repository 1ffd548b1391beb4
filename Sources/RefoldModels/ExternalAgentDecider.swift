import Foundation
import RefoldCore

/// Asks the team's own agent for each decision through `refold.next-step/v1`: a command
/// agent over stdin and stdout, or an HTTP agent by POST.
///
/// A command agent runs as one long-lived process per concurrency slot. A crash, a line that
/// is not a protocol answer, or no answer within the timeout is an ``ExternalAgentError``
/// naming the thread and the step (a source error for that decision only); the process is
/// stopped and a new one is started for the next request. `{"error": …}` is the agent's own
/// "could not decide", an invalid-output decision with its message.
///
/// ```swift
/// let agent = ExternalAgent(endpoint: .command(["python3", "agent.py"]), timeout: 5)
/// let decider = ExternalAgentDecider(agent: agent, suite: "calc", variant: "baseline",
///                                    vocabulary: spec.vocabulary)
/// ```
public struct ExternalAgentDecider: Decider {
  private enum Channel: Sendable {
    case command(CommandAgentPool)
    case http(HTTPTransport, url: String)
  }

  public var agent: ExternalAgent
  public var suite: String
  public var variant: String
  /// Classifies the events sent, to number the decision being asked (`step`).
  public var vocabulary: Vocabulary
  private let channel: Channel

  /// A decider for `agent`; `baseEnvironment` is what a command agent inherits before the
  /// agent's own `env:`.
  ///
  /// - Throws: ``ExternalAgentError`` for a URL that cannot be parsed.
  public init(
    agent: ExternalAgent, suite: String, variant: String, vocabulary: Vocabulary,
    baseEnvironment: [String: String] = ProcessInfo.processInfo.environment
  ) throws {
    self.agent = agent
    self.suite = suite
    self.variant = variant
    self.vocabulary = vocabulary
    switch agent.endpoint {
    case .command(let command):
      guard !command.isEmpty else { throw ExternalAgentError("the agent's command is empty") }
      let environment = baseEnvironment.merging(agent.environment) { _, new in new }
      channel = .command(
        CommandAgentPool(
          command: command, environment: environment, directory: agent.workingDirectory))
    case .url(let text):
      guard let url = URL(string: text), url.scheme == "http" || url.scheme == "https" else {
        throw ExternalAgentError("the agent's url \"\(text)\" is not an http or https URL")
      }
      channel = .http(
        HTTPTransport(
          url: url, headers: [:],
          options: ClientOptions(
            timeout: agent.timeout, maxConcurrentRequests: 64, retry: RetryPolicy(maxAttempts: 1))),
        url: text)
    }
  }

  /// The index of the decision after `events`: the decisions among them, escalations aside.
  public func step(after events: [Event]) -> Int {
    var count = 0
    for (index, kind) in vocabulary.classify(events).enumerated() {
      if case .decision = kind, !events[index].isEscalation { count += 1 }
    }
    return count
  }

  public func decide(thread: String, events: [Event]) async throws -> Decision {
    let step = step(after: events)
    let request = NextStepProtocol.request(
      suite: suite, variant: variant, thread: thread, step: step, events: events)
    let line = request.canonicalString
    let started = ContinuousClock.now
    let location = "thread \"\(thread)\" step \(step)"
    var stderr = ""
    let body: JSONValue
    switch channel {
    case .command(let pool):
      let process = try await pool.checkOut()
      let answer: String?
      do {
        answer = try await process.ask(line, timeout: agent.timeout)
      } catch {
        process.stop()
        throw ExternalAgentError("the agent failed at \(location): \(error)\(tail(process))")
      }
      guard let answer else {
        await process.settle()
        process.stop()
        throw ExternalAgentError(
          "the agent exited at \(location) (\(process.ending)) without answering\(tail(process))")
      }
      do {
        body = try JSONParser.parse(answer)
      } catch {
        process.stop()
        throw ExternalAgentError(
          "the agent printed a line that is not JSON at \(location): "
            + "\(String(answer.prefix(200)).debugDescription)\(tail(process))")
      }
      stderr = process.takeErrors()
      await pool.checkIn(process)
    case .http(let transport, let url):
      do {
        body = try await transport.post(request) { _ in nil }.body
      } catch {
        throw ExternalAgentError("the agent at \(url) failed at \(location): \(error)")
      }
    }
    let elapsed = ContinuousClock.now - started
    let latency =
      Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
    var raw: [String: JSONValue] = ["answer": body]
    if !stderr.isEmpty { raw["stderr"] = .string(stderr) }
    switch NextStepProtocol.answer(body) {
    case .failure(let problem):
      throw ExternalAgentError("the agent's answer at \(location) is not valid: \(problem.message)")
    case .success(.error(let message)):
      return Decision(
        outcome: .failure("the agent could not decide: \(message)"),
        latencyMilliseconds: latency, renderedContext: line, rawResponse: .object(raw))
    case .success(.intent(let intent)):
      return Decision(
        outcome: .intent(intent), latencyMilliseconds: latency, renderedContext: line,
        rawResponse: .object(raw))
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
