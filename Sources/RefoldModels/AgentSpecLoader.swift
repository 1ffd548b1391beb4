import Foundation
import RefoldCore

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
    try load(path: path, patch: nil)
  }

  /// Loads the spec at `path` with `patch` laid over its document first (see
  /// ``YAMLNode/merging(_:)``): how a suite's variant changes any field of the spec.
  ///
  /// A mistake in the patch is reported where the patch was written, and a relative
  /// `prompt` is read relative to the file that names it (a variant's, to its `suite.yaml`).
  ///
  /// - Throws: ``AgentSpecError``, as ``load(path:)``.
  public func load(path: String, patch: YAMLNode?) throws(AgentSpecError) -> AgentSpec {
    let document = try document(path: path)
    return try load(document: patch.map { document.merging($0) } ?? document) {
      node throws(AgentSpecError) in
      try Self.readPrompt(
        node, relativeTo: (node.location.file as NSString).deletingLastPathComponent)
    }
  }

  /// The YAML document of the spec file at `path`.
  ///
  /// - Throws: ``AgentSpecError`` for an unreadable, empty or invalid file.
  public func document(path: String) throws(AgentSpecError) -> YAMLNode {
    let text: String
    do {
      text = try TextFile.read(path)
    } catch {
      throw AgentSpecError(file: path, line: error.line, path: "", message: error.reason)
    }
    return try Self.parse(text, file: path)
  }

  /// Loads a spec from YAML text; `readPrompt` returns the template text for the `prompt`
  /// path as written in the file.
  public func load(
    yaml: String, file: String,
    readPrompt: (String) throws(AgentSpecError) -> (text: String, path: String)
  ) throws(AgentSpecError) -> AgentSpec {
    try load(document: Self.parse(yaml, file: file)) { node throws(AgentSpecError) in
      try readPrompt(try Self.checked { () throws(YAMLProblem) in try node.string() })
    }
  }

  /// Loads a spec from its YAML document; `readPrompt` returns the template text and path for
  /// the `prompt` node.
  public func load(
    document top: YAMLNode,
    readPrompt: (YAMLNode) throws(AgentSpecError) -> (text: String, path: String)
  ) throws(AgentSpecError) -> AgentSpec {
    let spec = try Self.checked { () throws(YAMLProblem) -> AgentSpec in
      try top.rejectUnknown(allowed: Self.topLevelKeys)
      let name = try top.required("name").string()
      let model = try readModel(top.required("model"))
      let promptNode = try top.required("prompt")
      _ = try promptNode.string()
      var contextFormat = ContextFormatKind.xmlTags
      if let node = try top.member("context_format") { contextFormat = try node.choice() }
      var outputMode = OutputMode.tools
      if let node = try top.member("output_mode") { outputMode = try node.choice() }
      var hidesResolvedErrors = false
      if let node = try top.member("hide_resolved_errors") { hidesResolvedErrors = try node.bool() }
      let intents = try readIntents(top.required("intents"))
      var aliases: [String: String] = [:]
      if let node = try top.member("aliases") {
        for entry in try node.mapping() {
          let target = try entry.value.string()
          guard intents.contains(where: { $0.name == target }) || target == "approval" else {
            throw entry.value.problem(
              "expected the name of a declared intent, found \"\(target)\"")
          }
          aliases[entry.key] = target
        }
      }
      var policy = ControlPolicy.default
      if let node = try top.member("error_policy") { policy = try readPolicy(node) }
      if let node = try top.member("step_budget") { policy.stepBudget = try node.int(atLeast: 1) }
      return AgentSpec(
        name: name, model: model, promptTemplate: "", contextFormat: contextFormat,
        outputMode: outputMode, intents: intents, aliases: aliases, policy: policy,
        hidesResolvedErrors: hidesResolvedErrors)
    }
    let prompt = try readPrompt(
      try Self.checked { () throws(YAMLProblem) in try top.required("prompt") })
    var result = spec
    result.promptTemplate = prompt.text
    result.promptPath = prompt.path
    _ = try PromptTemplate(result.promptTemplate, path: prompt.path)
    return result
  }

  /// The keys an agent spec may have at the top.
  public static let topLevelKeys = [
    "name", "model", "prompt", "context_format", "output_mode", "hide_resolved_errors",
    "intents", "aliases", "error_policy", "step_budget",
  ]

  /// Reads the prompt template a `prompt` node names, relative to `directory` unless
  /// absolute.
  ///
  /// - Throws: ``AgentSpecError`` at the node when the file cannot be read.
  public static func readPrompt(_ node: YAMLNode, relativeTo directory: String)
    throws(AgentSpecError) -> (text: String, path: String)
  {
    let path = try checked { () throws(YAMLProblem) in try node.string() }
    let full =
      path.hasPrefix("/") || directory.isEmpty
      ? path : (directory as NSString).appendingPathComponent(path)
    do {
      return (try String(contentsOfFile: full, encoding: .utf8), full)
    } catch {
      throw AgentSpecError(node.problem("cannot read the prompt template \(full)"))
    }
  }

  private static func parse(_ text: String, file: String) throws(AgentSpecError) -> YAMLNode {
    let root = try checked { () throws(YAMLProblem) in try YAMLNode.parse(text, file: file) }
    guard let root else {
      throw AgentSpecError(file: file, path: "", message: "the file is empty")
    }
    return root
  }

  /// Runs `body`, turning a ``YAMLProblem`` into an ``AgentSpecError`` word for word.
  static func checked<Value>(_ body: () throws(YAMLProblem) -> Value) throws(AgentSpecError)
    -> Value
  {
    try YAMLProblem.reported(as: AgentSpecError.init, body)
  }

  private func readModel(_ model: YAMLNode) throws(YAMLProblem) -> ModelSettings {
    if let key = try model.member("api_key") {
      throw key.problem(
        "API keys are never read from files; name the environment variable in api_key_env")
    }
    try model.rejectUnknown(allowed: [
      "provider", "name", "base_url", "api_key_env", "temperature", "top_p", "max_tokens", "seed",
    ])
    var settings = ModelSettings(name: try model.required("name").string())
    if let node = try model.member("provider") { settings.provider = try node.choice() }
    if let node = try model.member("base_url") {
      let url = try node.string()
      guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
        throw node.problem("expected an http:// or https:// URL")
      }
      settings.baseURL = url
    }
    if let override = baseURLOverride ?? environment["REFOLD_BASE_URL"], !override.isEmpty {
      settings.baseURL = override
    }
    if let node = try model.member("api_key_env") {
      settings.apiKeyEnvironment = try node.string()
      let location = node.location
      settings.apiKeyEnvironmentPlace =
        location.file + (location.line.map { ":\($0)" } ?? "") + ": " + location.path
    }
    if let node = try model.member("temperature") {
      settings.temperature = try node.number(in: 0...2)
    }
    if let node = try model.member("top_p") { settings.topP = try node.number(in: 0...1) }
    if let node = try model.member("max_tokens") { settings.maxTokens = try node.int(atLeast: 1) }
    if let node = try model.member("seed") { settings.seed = try node.int() }
    return settings
  }

  private func readIntents(_ node: YAMLNode) throws(YAMLProblem) -> [IntentSpec] {
    var intents: [IntentSpec] = []
    let entries = try node.mapping()
    if entries.isEmpty { throw node.problem("expected at least one intent") }
    for entry in entries {
      let name = entry.key
      let intent = entry.value
      guard name.range(of: #"^[A-Za-z_][A-Za-z0-9_]{0,63}$"#, options: .regularExpression) != nil
      else {
        throw intent.problem("expected an intent name of letters, digits and underscores")
      }
      try intent.rejectUnknown(allowed: ["kind", "description", "params", "command", "timeout"])
      let kind: IntentKind = try intent.required("kind").choice()
      var description = ""
      if let node = try intent.member("description") { description = try node.string() }
      var parameters: JSONValue = ["type": "object", "properties": [:]]
      if let node = try intent.member("params") {
        guard var members = node.json.objectValue else {
          throw node.problem("expected a parameter schema (a map)")
        }
        if members["type"] == nil { members["type"] = "object" }
        if members["properties"] == nil { members["properties"] = .emptyObject }
        parameters = .object(members)
        if members["type"] != "object" {
          throw YAMLProblem(
            at: YAMLLocation(
              file: node.location.file, line: node.location.line,
              path: YAMLNode.join(node.path, "type")), "expected object")
        }
        if let problem = ParameterSchema(parameters).check().first {
          let nearest = node.nearest(problem.path)
          throw YAMLProblem(
            file: nearest.location.file, line: nearest.location.line,
            path: problem.path.isEmpty ? node.path : YAMLNode.join(node.path, problem.path),
            message: problem.message)
        }
      }
      var command: [String]?
      if let node = try intent.member("command") { command = try readCommand(node) }
      var timeout: Double?
      if let node = try intent.member("timeout") { timeout = try node.number(in: 0.001...86_400) }
      intents.append(
        IntentSpec(
          name: name, kind: kind, description: description, parameters: parameters,
          command: command, timeout: timeout))
    }
    return intents
  }

  /// A tool command: a shell line (run with `/bin/sh -c`) or a list of program and arguments.
  private func readCommand(_ node: YAMLNode) throws(YAMLProblem) -> [String] {
    if case .sequence(let items) = node.content {
      var arguments: [String] = []
      for item in items { arguments.append(try item.string()) }
      guard !arguments.isEmpty else { throw node.problem("expected a program and its arguments") }
      return arguments
    }
    let line = try node.string()
    guard !line.trimmingCharacters(in: .whitespaces).isEmpty else {
      throw node.problem("expected a shell line or a list")
    }
    return ["/bin/sh", "-c", line]
  }

  private func readPolicy(_ policy: YAMLNode) throws(YAMLProblem) -> ControlPolicy {
    try policy.rejectUnknown(allowed: ["cap", "count", "escalation"])
    var result = ControlPolicy.default
    if let node = try policy.member("cap") { result.errorCap = try node.int(atLeast: 1) }
    if let node = try policy.member("count") {
      let count = try node.string()
      switch count {
      case "global": result.countsErrorsPerIntent = false
      case "per_intent": result.countsErrorsPerIntent = true
      default: throw node.problem("expected global or per_intent, found \"\(count)\"")
      }
    }
    if let node = try policy.member("escalation") {
      let escalation = try node.string()
      guard let value = ControlPolicy.Escalation(rawValue: escalation) else {
        throw node.problem("expected deterministic or model, found \"\(escalation)\"")
      }
      result.escalation = value
    }
    return result
  }
}
