import Foundation
import RefoldCore
import RefoldModels

/// Reads a suite's external agent: `agent: {command: […]}` or `agent: {url: …}`, and the
/// `intents:` map that names its decision points.
///
/// ```yaml
/// agent: {command: [python3, agent.py], env: {PROMPT_VARIANT: terse}, cwd: ., timeout: 30}
/// intents:
///   multiply: sync
///   ask_user: {kind: human, parameters: {type: object, properties: {question: {type: string}}}}
///   done_for_now: terminal
/// ```
enum ExternalAgentReader {
  /// The agent named by the mapping `value` at `agent`.
  static func agent(_ value: JSONValue, _ reader: DocumentReader, directory: String)
    throws(SuiteError) -> ExternalAgent
  {
    let members = try reader.object(value, "agent")
    try reader.onlyKeys(members, ["command", "url", "env", "cwd", "timeout"], "agent")
    let endpoint: ExternalAgent.Endpoint
    switch (members["command"], members["url"]) {
    case (let command?, nil):
      let words = try reader.stringList(command, "agent.command")
      guard !words.isEmpty else { throw reader.error("agent.command", "expected a program") }
      endpoint = .command(words)
    case (nil, let url?):
      let text = try reader.string(url, "agent.url")
      guard let parsed = URL(string: text), parsed.scheme == "http" || parsed.scheme == "https"
      else { throw reader.error("agent.url", "expected an http or https URL") }
      endpoint = .url(text)
    case (.some, .some):
      throw reader.error("agent", "give either command or url, not both")
    case (nil, nil):
      throw reader.error(
        "agent", "expected a spec file, or a mapping with command (a program) or url")
    }
    var agent = ExternalAgent(endpoint: endpoint, workingDirectory: directory)
    if let environment = members["env"] {
      agent.environment = try Self.environment(environment, reader, "agent.env")
    }
    if let cwd = members["cwd"] {
      agent.workingDirectory = SuiteLoader.resolve(
        try reader.string(cwd, "agent.cwd"), in: directory)
    }
    if let timeout = members["timeout"] {
      let seconds = try reader.double(timeout, "agent.timeout")
      guard seconds > 0 else { throw reader.error("agent.timeout", "expected seconds above 0") }
      agent.timeout = seconds
    }
    return agent
  }

  /// An `env:` mapping of names to strings (numbers and booleans are written as text).
  static func environment(_ value: JSONValue, _ reader: DocumentReader, _ path: String)
    throws(SuiteError) -> [String: String]
  {
    var result: [String: String] = [:]
    for (name, text) in try reader.object(value, path) {
      result[name] = try reader.string(text, DocumentReader.join(path, name))
    }
    return result
  }

  /// The spec standing for an external agent: its decision points from `intents`, no prompt,
  /// no model; with no `intents:`, the default vocabulary of raw threads applies.
  static func spec(
    _ intents: JSONValue?, _ reader: DocumentReader, name: String, agent: ExternalAgent
  ) throws(SuiteError) -> AgentSpec {
    var declared: [IntentSpec] = []
    if let intents, !intents.isNull {
      let members = try reader.object(intents, "intents")
      let ordered = members.keys.sorted {
        (reader.lines["intents.\($0)"] ?? 0, $0) < (reader.lines["intents.\($1)"] ?? 0, $1)
      }
      for intent in ordered {
        let path = "intents.\(intent)"
        let value = members[intent] ?? .null
        if value.stringValue != nil {
          declared.append(
            IntentSpec(name: intent, kind: try reader.oneOf(value, path, IntentKind.self)))
          continue
        }
        let fields = try reader.object(value, path)
        try reader.onlyKeys(fields, ["kind", "parameters", "description"], path)
        guard let kind = fields["kind"] else {
          throw reader.error(path, "missing key \"kind\" (sync, approval, human or terminal)")
        }
        var spec = IntentSpec(
          name: intent, kind: try reader.oneOf(kind, "\(path).kind", IntentKind.self))
        if let parameters = fields["parameters"] {
          _ = try reader.object(parameters, "\(path).parameters")
          spec.parameters = parameters
        }
        if let description = fields["description"] {
          spec.description = try reader.string(description, "\(path).description")
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
