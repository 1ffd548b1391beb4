/// An agent the team ships itself, asked through the `refold.next-step/v1` protocol: a
/// command Refold starts, or an HTTP endpoint it posts to.
///
/// ```yaml
/// agent: {command: [python3, agent.py], env: {PROMPT_VARIANT: terse}, timeout: 30}
/// agent: {url: http://127.0.0.1:9000/next-step}
/// ```
public struct ExternalAgent: Sendable, Hashable {
  /// Where the agent lives.
  public enum Endpoint: Sendable, Hashable {
    /// A program and its arguments, run once per concurrency slot; the program is looked up
    /// on `PATH`.
    case command([String])
    /// An HTTP endpoint that gets each request as a POST.
    case url(String)
  }

  public var endpoint: Endpoint
  /// Variables added to the agent's environment (over Refold's own).
  public var environment: [String: String]
  /// The command's working directory (the suite's directory unless the suite says otherwise).
  public var workingDirectory: String?
  /// Seconds one answer may take before it is a source error.
  public var timeout: Double
  /// The base URL the model endpoint forwards the agent's own model calls to with
  /// `--model record` or `live` (`upstream:`; `--base-url` overrides it).
  public var upstream: String?

  public init(
    endpoint: Endpoint, environment: [String: String] = [:], workingDirectory: String? = nil,
    timeout: Double = 60
  ) {
    self.endpoint = endpoint
    self.environment = environment
    self.workingDirectory = workingDirectory
    self.timeout = timeout
  }

  /// The agent with `environment` added over its own (a variant's `env:`).
  public func adding(environment extra: [String: String]) -> ExternalAgent {
    var result = self
    result.environment.merge(extra) { _, new in new }
    return result
  }
}
