import Foundation
import RefoldCore
import Yams

/// Reads an `agent.yaml` into an ``AgentSpec``, checking every field.
///
/// Unknown keys are errors (a typo never goes unnoticed); every mistake is an
/// ``AgentSpecError`` naming the file, the line, the path inside the file and what was
/// expected. The prompt template is read from its path relative to the YAML file and checked
/// for unknown variables. The base URL comes from the override (a command-line flag), then
/// `REFOLD_BASE_URL`, then the file; API keys are never read from the file, only the name
/// of the environment variable that holds one (`api_key_env`).
///
/// ```swift
/// let spec = try AgentSpecLoader().load(path: "evals/deploybot/agent.yaml")
/// ```
public struct AgentSpecLoader: Sendable {
  /// The environment consulted for `REFOLD_BASE_URL`.
  public var environment: [String: String]
  /// A base URL that wins over the environment and the file (a `--base-url` flag).
  public var baseURLOverride: String?

  public init(
    environment: [String: String] = ProcessInfo.processInfo.environment,
    baseURLOverride: String? = nil
  ) {
    self.environment = environment
    self.baseURLOverride = baseURLOverride
  }

  /// Loads the spec at `path`.
  ///
  /// - Throws: ``AgentSpecError`` for an unreadable file, invalid YAML, an unknown or
  ///   mistyped field, an invalid parameter schema, or a prompt template that cannot be read
  ///   or names an unknown variable.
  public func load(path: String) throws(AgentSpecError) -> AgentSpec {
    let text: String
    do {
      text = try TextFile.read(path)
    } catch {
      throw AgentSpecError(file: path, line: error.line, path: "", message: error.reason)
    }
    let directory = (path as NSString).deletingLastPathComponent
    return try load(yaml: text, file: path) { relative throws(AgentSpecError) in
      try Self.readPrompt(relative, relativeTo: directory, from: path)
    }
  }

  /// Loads a spec from YAML text; `readPrompt` returns the template text for the `prompt`
  /// path as written in the file.
  public func load(
    yaml: String, file: String,
    readPrompt: (String) throws(AgentSpecError) -> (text: String, path: String)
  ) throws(AgentSpecError) -> AgentSpec {
    let root: Node
    do {
      try YAMLLimits.checkSize(yaml, file: file)
      guard let node = try Yams.compose(yaml: yaml) else {
        throw AgentSpecError(file: file, path: "", message: "the file is empty")
      }
      try YAMLLimits.checkExpansion(node, bytes: yaml.utf8.count, file: file)
      root = node
    } catch let error as AgentSpecError {
      throw error
    } catch let exceeded as YAMLLimits.Exceeded {
      throw AgentSpecError(file: file, line: exceeded.line, path: "", message: exceeded.reason)
    } catch {
      if let duplicate = YAMLErrorSentence.duplicateKey(error, in: yaml) {
        throw AgentSpecError(
          file: file, line: duplicate.line, path: "",
          message: "duplicate key \"\(duplicate.key)\"; each key may appear once in a mapping")
      }
      throw AgentSpecError(
        file: file, path: "", message: "invalid YAML at \(YAMLErrorSentence.describe(error))")
    }
    let reader = SpecReader(file: file)
    let top = try reader.mapping(root, path: "")
    try reader.rejectUnknown(
      top,
      allowed: [
        "name", "model", "prompt", "context_format", "output_mode", "hide_resolved_errors",
        "intents", "aliases", "error_policy", "step_budget",
      ], path: "")

    let name = try reader.string(reader.required(top, "name", path: ""), path: "name")
    let model = try readModel(reader, reader.required(top, "model", path: ""))
    let promptNode = try reader.required(top, "prompt", path: "")
    let promptPath = try reader.string(promptNode, path: "prompt")
    let prompt = try readPrompt(promptPath)

    var contextFormat = ContextFormatKind.xmlTags
    if let node = top["context_format"] {
      contextFormat = try reader.choice(node, path: "context_format")
    }
    var outputMode = OutputMode.tools
    if let node = top["output_mode"] { outputMode = try reader.choice(node, path: "output_mode") }
    var hidesResolvedErrors = false
    if let node = top["hide_resolved_errors"] {
      hidesResolvedErrors = try reader.bool(node, path: "hide_resolved_errors")
    }
    let intents = try readIntents(reader, reader.required(top, "intents", path: ""))
    var aliases: [String: String] = [:]
    if let node = top["aliases"] {
      for (key, value) in try reader.pairs(node, path: "aliases") {
        let target = try reader.string(value, path: "aliases.\(key)")
        guard intents.contains(where: { $0.name == target }) || target == "approval" else {
          throw reader.error(
            value, path: "aliases.\(key)",
            "expected the name of a declared intent, found \"\(target)\"")
        }
        aliases[key] = target
      }
    }
    var policy = ControlPolicy.default
    if let node = top["error_policy"] { policy = try readPolicy(reader, node) }
    if let node = top["step_budget"] {
      policy.stepBudget = try reader.positiveInt(node, path: "step_budget")
    }

    let spec = AgentSpec(
      name: name, model: model, promptTemplate: prompt.text, promptPath: prompt.path,
      contextFormat: contextFormat, outputMode: outputMode, intents: intents,
      aliases: aliases, policy: policy, hidesResolvedErrors: hidesResolvedErrors)
    _ = try PromptTemplate(spec.promptTemplate, path: prompt.path)
    return spec
  }

  /// Reads a prompt template file at `path`, relative to `directory` unless absolute.
  ///
  /// - Throws: ``AgentSpecError`` naming `specFile` and the `prompt` field when the file
  ///   cannot be read.
  public static func readPrompt(_ path: String, relativeTo directory: String, from specFile: String)
    throws(AgentSpecError) -> (text: String, path: String)
  {
    let full =
      path.hasPrefix("/") || directory.isEmpty
      ? path : (directory as NSString).appendingPathComponent(path)
    do {
      return (try String(contentsOfFile: full, encoding: .utf8), full)
    } catch {
      throw AgentSpecError(
        file: specFile, path: "prompt", message: "cannot read the prompt template \(full)")
    }
  }

  private func readModel(_ reader: SpecReader, _ node: Node) throws(AgentSpecError)
    -> ModelSettings
  {
    let model = try reader.mapping(node, path: "model")
    if let key = model["api_key"] {
      throw reader.error(
        key, path: "model.api_key",
        "API keys are never read from files; name the environment variable in api_key_env")
    }
    try reader.rejectUnknown(
      model,
      allowed: [
        "provider", "name", "base_url", "api_key_env", "temperature", "top_p", "max_tokens",
        "seed",
      ], path: "model")
    var settings = ModelSettings(
      name: try reader.string(reader.required(model, "name", path: "model"), path: "model.name"))
    if let node = model["provider"] {
      settings.provider = try reader.choice(node, path: "model.provider")
    }
    if let node = model["base_url"] {
      let url = try reader.string(node, path: "model.base_url")
      guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
        throw reader.error(node, path: "model.base_url", "expected an http:// or https:// URL")
      }
      settings.baseURL = url
    }
    if let override = baseURLOverride ?? environment["REFOLD_BASE_URL"], !override.isEmpty {
      settings.baseURL = override
    }
    if let node = model["api_key_env"] {
      settings.apiKeyEnvironment = try reader.string(node, path: "model.api_key_env")
    }
    if let node = model["temperature"] {
      settings.temperature = try reader.number(node, path: "model.temperature", in: 0...2)
    }
    if let node = model["top_p"] {
      settings.topP = try reader.number(node, path: "model.top_p", in: 0...1)
    }
    if let node = model["max_tokens"] {
      settings.maxTokens = try reader.positiveInt(node, path: "model.max_tokens")
    }
    if let node = model["seed"] { settings.seed = try reader.int(node, path: "model.seed") }
    return settings
  }

  private func readIntents(_ reader: SpecReader, _ node: Node) throws(AgentSpecError)
    -> [IntentSpec]
  {
    var intents: [IntentSpec] = []
    let pairs = try reader.pairs(node, path: "intents")
    if pairs.isEmpty { throw reader.error(node, path: "intents", "expected at least one intent") }
    for (name, value) in pairs {
      let path = "intents.\(name)"
      guard name.range(of: #"^[A-Za-z_][A-Za-z0-9_]{0,63}$"#, options: .regularExpression) != nil
      else {
        throw reader.error(
          value, path: path, "expected an intent name of letters, digits and underscores")
      }
      let intent = try reader.mapping(value, path: path)
      try reader.rejectUnknown(
        intent, allowed: ["kind", "description", "params", "command", "timeout"], path: path)
      let kind: IntentKind = try reader.choice(
        reader.required(intent, "kind", path: path), path: "\(path).kind")
      var description = ""
      if let node = intent["description"] {
        description = try reader.string(node, path: "\(path).description")
      }
      var parameters: JSONValue = ["type": "object", "properties": [:]]
      if let node = intent["params"] {
        let paramsPath = "\(path).params"
        parameters = try reader.json(node, path: paramsPath)
        guard var members = parameters.objectValue else {
          throw reader.error(node, path: paramsPath, "expected a parameter schema (a map)")
        }
        if members["type"] == nil { members["type"] = "object" }
        if members["properties"] == nil { members["properties"] = .emptyObject }
        parameters = .object(members)
        if members["type"] != "object" {
          throw reader.error(node, path: "\(paramsPath).type", "expected object")
        }
        if let problem = ParameterSchema(parameters).check().first {
          let problemPath = problem.path.isEmpty ? paramsPath : "\(paramsPath).\(problem.path)"
          throw reader.error(
            reader.node(at: problem.path, in: node) ?? node, path: problemPath, problem.message)
        }
      }
      var command: [String]?
      if let node = intent["command"] {
        command = try readCommand(reader, node, path: "\(path).command")
      }
      var timeout: Double?
      if let node = intent["timeout"] {
        timeout = try reader.number(node, path: "\(path).timeout", in: 0.001...86_400)
      }
      intents.append(
        IntentSpec(
          name: name, kind: kind, description: description, parameters: parameters,
          command: command, timeout: timeout))
    }
    return intents
  }

  /// A tool command: a shell line (run with `/bin/sh -c`) or a list of program and arguments.
  private func readCommand(_ reader: SpecReader, _ node: Node, path: String)
    throws(AgentSpecError) -> [String]
  {
    if case .sequence(let items) = node {
      var arguments: [String] = []
      for (index, item) in items.enumerated() {
        arguments.append(try reader.string(item, path: "\(path)[\(index)]"))
      }
      guard !arguments.isEmpty else {
        throw reader.error(node, path: path, "expected a program and its arguments")
      }
      return arguments
    }
    let line = try reader.string(node, path: path)
    guard !line.trimmingCharacters(in: .whitespaces).isEmpty else {
      throw reader.error(node, path: path, "expected a shell line or a list")
    }
    return ["/bin/sh", "-c", line]
  }

  private func readPolicy(_ reader: SpecReader, _ node: Node) throws(AgentSpecError)
    -> ControlPolicy
  {
    let policy = try reader.mapping(node, path: "error_policy")
    try reader.rejectUnknown(policy, allowed: ["cap", "count", "escalation"], path: "error_policy")
    var result = ControlPolicy.default
    if let node = policy["cap"] {
      result.errorCap = try reader.positiveInt(node, path: "error_policy.cap")
    }
    if let node = policy["count"] {
      let count = try reader.string(node, path: "error_policy.count")
      switch count {
      case "global": result.countsErrorsPerIntent = false
      case "per_intent": result.countsErrorsPerIntent = true
      default:
        throw reader.error(
          node, path: "error_policy.count", "expected global or per_intent, found \"\(count)\"")
      }
    }
    if let node = policy["escalation"] {
      let escalation = try reader.string(node, path: "error_policy.escalation")
      guard let value = ControlPolicy.Escalation(rawValue: escalation) else {
        throw reader.error(
          node, path: "error_policy.escalation",
          "expected deterministic or model, found \"\(escalation)\"")
      }
      result.escalation = value
    }
    return result
  }
}

/// Typed access to YAML nodes that turns every mismatch into an ``AgentSpecError``.
struct SpecReader {
  let file: String

  func error(_ node: Node?, path: String, _ message: String) -> AgentSpecError {
    AgentSpecError(file: file, line: node?.mark?.line, path: path, message: message)
  }

  func mapping(_ node: Node, path: String) throws(AgentSpecError) -> Node.Mapping {
    guard case .mapping(let mapping) = node else {
      throw error(node, path: path, "expected a map of keys to values")
    }
    return mapping
  }

  /// The key-value pairs of a mapping, in file order, with string keys.
  func pairs(_ node: Node, path: String) throws(AgentSpecError) -> [(String, Node)] {
    var result: [(String, Node)] = []
    for (key, value) in try mapping(node, path: path) {
      guard let name = key.scalar?.string else {
        throw error(key, path: path, "expected plain keys")
      }
      result.append((name, value))
    }
    return result
  }

  func required(_ mapping: Node.Mapping, _ key: String, path: String) throws(AgentSpecError)
    -> Node
  {
    guard let node = mapping[key] else {
      let full = path.isEmpty ? key : "\(path).\(key)"
      throw AgentSpecError(
        file: file, line: mapping.mark?.line, path: full, message: "is required but missing")
    }
    return node
  }

  func rejectUnknown(_ mapping: Node.Mapping, allowed: Set<String>, path: String)
    throws(AgentSpecError)
  {
    for key in mapping.keys {
      let name = key.scalar?.string ?? "?"
      guard !allowed.contains(name) else { continue }
      let full = path.isEmpty ? name : "\(path).\(name)"
      let suggestion = allowed.min { distance($0, name) < distance($1, name) }
      let hint =
        suggestion.map { distance($0, name) <= 2 ? " (did you mean \($0)?)" : "" } ?? ""
      throw error(
        key, path: full,
        "unknown key\(hint); expected one of \(allowed.sorted().joined(separator: ", "))")
    }
  }

  func string(_ node: Node, path: String) throws(AgentSpecError) -> String {
    guard let scalar = node.scalar,
      node.tag.rawValue == Tag.Name.str.rawValue || scalar.style != .plain
    else {
      throw error(node, path: path, "expected a string")
    }
    return scalar.string
  }

  func choice<Value: RawRepresentable & CaseIterable>(_ node: Node, path: String)
    throws(AgentSpecError) -> Value where Value.RawValue == String
  {
    let text = try string(node, path: path)
    guard let value = Value(rawValue: text) else {
      let names = Value.allCases.map(\.rawValue).joined(separator: ", ")
      throw error(node, path: path, "expected one of \(names), found \"\(text)\"")
    }
    return value
  }

  func bool(_ node: Node, path: String) throws(AgentSpecError) -> Bool {
    guard node.tag.rawValue == Tag.Name.bool.rawValue, let value = node.bool else {
      throw error(node, path: path, "expected true or false")
    }
    return value
  }

  func int(_ node: Node, path: String) throws(AgentSpecError) -> Int {
    guard node.tag.rawValue == Tag.Name.int.rawValue, let value = node.int else {
      throw error(node, path: path, "expected an integer")
    }
    return value
  }

  func positiveInt(_ node: Node, path: String) throws(AgentSpecError) -> Int {
    let value = try int(node, path: path)
    guard value > 0 else { throw error(node, path: path, "expected a positive integer") }
    return value
  }

  func number(_ node: Node, path: String, in range: ClosedRange<Double>) throws(AgentSpecError)
    -> Double
  {
    guard
      node.tag.rawValue == Tag.Name.int.rawValue || node.tag.rawValue == Tag.Name.float.rawValue,
      let value = node.float,
      range.contains(value)
    else {
      throw error(
        node, path: path,
        "expected a number from \(JSONValue.formatNumber(range.lowerBound)) to "
          + JSONValue.formatNumber(range.upperBound))
    }
    return value
  }

  /// A YAML subtree as JSON (for parameter schemas).
  func json(_ node: Node, path: String) throws(AgentSpecError) -> JSONValue {
    switch node {
    case .scalar(let scalar):
      switch Tag.Name(rawValue: node.tag.rawValue) {
      case .null: return .null
      case .bool: return node.bool.map(JSONValue.bool) ?? .string(scalar.string)
      case .int: return node.int.map { .int(Int64($0)) } ?? .string(scalar.string)
      case .float: return node.float.map(JSONValue.double) ?? .string(scalar.string)
      default: return .string(scalar.string)
      }
    case .sequence(let sequence):
      var elements: [JSONValue] = []
      for (index, element) in sequence.enumerated() {
        elements.append(try json(element, path: "\(path)[\(index)]"))
      }
      return .array(elements)
    case .mapping:
      var members: [String: JSONValue] = [:]
      for (key, value) in try pairs(node, path: path) {
        members[key] = try json(value, path: "\(path).\(key)")
      }
      return .object(members)
    case .alias:
      throw error(node, path: path, "expected plain YAML (aliases are not supported)")
    }
  }

  /// The node at a dotted schema path (`properties.tag.type`) below `node`, for its line.
  func node(at path: String, in node: Node) -> Node? {
    var current = node
    for component in path.split(separator: ".") {
      let name = String(component.prefix { $0 != "[" })
      guard let next = current[name] else { return current }
      current = next
    }
    return current
  }

  private func distance(_ a: String, _ b: String) -> Int {
    let a = Array(a)
    let b = Array(b)
    var previous = Array(0...b.count)
    for i in 1...max(a.count, 1) where !a.isEmpty {
      var row = [i] + Array(repeating: 0, count: b.count)
      for j in stride(from: 1, through: b.count, by: 1) {
        row[j] = min(
          previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
      }
      previous = row
    }
    return previous[b.count]
  }
}
