import Foundation
import RefoldCore
import RefoldModels

/// Reads a suite's external agent: `agent: {command: […]}` or `agent: {url: …}`, the
/// `intents:` map that names its decision points, and its variants (`env:`).
///
/// ```yaml
/// agent: {command: [python3, agent.py], env: {PROMPT_VARIANT: terse}, cwd: ., timeout: 30}
/// intents:
///   multiply: sync
///   ask_user: {kind: human, parameters: {type: object, properties: {question: {type: string}}}}
///   done_for_now: terminal
/// ```
enum ExternalAgentReader {
  /// The agent named by the mapping `node` (the value of `agent:`).
  static func agent(_ node: YAMLNode, directory: String) throws(YAMLProblem) -> ExternalAgent {
    try node.rejectUnknown(allowed: ["command", "url", "env", "cwd", "timeout", "upstream"])
    let endpoint: ExternalAgent.Endpoint
    switch (try node.member("command"), try node.member("url")) {
    case (let command?, nil):
      let words = try command.strings()
      guard !words.isEmpty else { throw command.problem("expected a program") }
      endpoint = .command(words)
    case (nil, let url?):
      let text = try url.string()
      guard let parsed = URL(string: text), parsed.scheme == "http" || parsed.scheme == "https"
      else { throw url.problem("expected an http or https URL") }
      endpoint = .url(text)
    case (.some, .some):
      throw node.problem("give either command or url, not both")
    case (nil, nil):
      throw node.problem("expected a spec file, or a mapping with command (a program) or url")
    }
    var agent = ExternalAgent(endpoint: endpoint, workingDirectory: directory)
    if let environment = try node.member("env") {
      agent.environment = try Self.environment(environment)
    }
    if let cwd = try node.member("cwd") {
      agent.workingDirectory = SuiteLoader.resolve(try cwd.string(), in: directory)
    }
    if let timeout = try node.member("timeout") {
      let seconds = try timeout.number()
      guard seconds > 0 else { throw timeout.problem("expected seconds above 0") }
      agent.timeout = seconds
    }
    if let upstream = try node.member("upstream") {
      let text = try upstream.string()
      guard let parsed = URL(string: text), parsed.scheme == "http" || parsed.scheme == "https"
      else { throw upstream.problem("expected an http or https URL") }
      agent.upstream = text
    }
    return agent
  }

  /// An `env:` mapping of names to strings (numbers and booleans are written as text).
  static func environment(_ node: YAMLNode) throws(YAMLProblem) -> [String: String] {
    var result: [String: String] = [:]
    for entry in try node.mapping() {
      let value = entry.value.json
      switch value {
      case .object, .array, .null:
        throw entry.value.problem("expected a string, found \(entry.value.described)")
      default:
        result[entry.key] = value.stringValue ?? value.canonicalString
      }
    }
    return result
  }

  /// A variant of an external agent: its `description`, `modes` and `env`.
  static func variant(
    _ node: YAMLNode, readModes: (YAMLNode) throws(YAMLProblem) -> [ReplayMode]
  ) throws(YAMLProblem) -> (
    description: String?, modes: [ReplayMode]?, environment: [String: String]
  ) {
    var read: (description: String?, modes: [ReplayMode]?, environment: [String: String]) =
      (nil, nil, [:])
    if node.isNull { return read }
    try node.rejectUnknown(allowed: ["description", "modes", "env"])
    read.description = try node.member("description")?.string()
    if let modes = try node.member("modes") { read.modes = try readModes(modes) }
    if let environment = try node.member("env") {
      read.environment = try Self.environment(environment)
    }
    return read
  }

  /// The spec standing for an external agent: its decision points from `intents`, no prompt,
  /// no model; with no `intents:`, the default vocabulary of raw threads applies.
  static func spec(_ intents: YAMLNode?, name: String, agent: ExternalAgent) throws(YAMLProblem)
    -> AgentSpec
  {
    var declared: [IntentSpec] = []
    if let intents, !intents.isNull {
      for entry in try intents.mapping() {
        let value = entry.value
        if case .scalar(.string) = value.content {
          declared.append(IntentSpec(name: entry.key, kind: try value.choice(IntentKind.self)))
          continue
        }
        try value.rejectUnknown(allowed: ["kind", "parameters", "description"])
        var spec = IntentSpec(
          name: entry.key, kind: try value.required("kind").choice(IntentKind.self))
        if let parameters = try value.member("parameters") {
          _ = try parameters.mapping()
          spec.parameters = parameters.json
        }
        if let description = try value.member("description") {
          spec.description = try description.string()
        }
        declared.append(spec)
      }
    }
    let model: String
    switch agent.endpoint {
    case .command(let command): model = command.joined(separator: " ")
    case .url(let url): model = url
    }
    return AgentSpec(
      name: name, model: ModelSettings(name: model), promptTemplate: "", intents: declared)
  }
}
