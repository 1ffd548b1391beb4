import Foundation
import RefoldCore
import RefoldModels

/// Loads and validates `evals/<suite>/suite.yaml`.
///
/// ```yaml
/// agent: agent.yaml
/// variants:
///   baseline: {}
///   concise: {prompt: prompts/concise.mustache, context_format: json-events}
/// fixtures: ["../../fixtures/deploybot/threads/*.jsonl"]
/// expectations: expectations.yaml
/// cassette: ../../fixtures/deploybot/cassettes/{variant}.jsonl
/// modes: [step, loop]
/// thresholds: {min_intent_accuracy: 0.8}
/// ```
///
/// `agent:` may instead name the team's own agent, `{command: [...]}` or `{url: ...}`, with
/// an `intents:` map of its decision points; its variants set `env:` (``ExternalAgentReader``).
///
/// Reading the agent spec is the caller's: pass `RefoldModels.AgentSpecLoader.load(path:patch:)`.
/// Each variant is the agent document with the variant's patch laid over it, loaded by that
/// same function, so a variant can change any field and is checked like the spec itself.
public struct SuiteLoader: Sendable {
  /// Reads an agent spec file (a path resolved against the suite directory) with a patch
  /// laid over its document first (nil: the file as it is).
  public typealias AgentLoader = @Sendable (_ path: String, _ patch: YAMLNode?) throws -> AgentSpec

  public var loadAgent: AgentLoader
  /// Whether a `fixtures` pattern that matches no file is an error: it is for evaluation (a
  /// typo would silently shrink the suite), not for `refold promote` filling a new suite.
  public var requiresFixtures: Bool

  public init(loadAgent: @escaping AgentLoader, requiresFixtures: Bool = true) {
    self.loadAgent = loadAgent
    self.requiresFixtures = requiresFixtures
  }

  /// A loader that reads the agent and its variants with `specLoader`.
  public init(specLoader: AgentSpecLoader, requiresFixtures: Bool = true) {
    self.init(
      loadAgent: { try specLoader.load(path: $0, patch: $1) }, requiresFixtures: requiresFixtures)
  }

  static let topLevelKeys = [
    "name", "description", "agent", "variants", "fixtures", "expectations", "cassette", "modes",
    "thresholds", "redaction", "intents", "strict", "compare_to", "judge", "embeddings",
  ]

  /// Loads the suite at `path`: a `suite.yaml` file or the directory holding one.
  ///
  /// - Throws: ``SuiteError`` naming the file and the path inside it; what the agent loader
  ///   throws passes through unchanged (a mistake in a variant is reported there, at the
  ///   variant's path in `suite.yaml`).
  public func load(_ path: String) throws -> Suite {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
      throw SuiteError.unreadable(
        file: path, message: "no such suite folder or suite file; give a folder with a suite.yaml")
    }
    let file =
      isDirectory.boolValue ? (path as NSString).appendingPathComponent("suite.yaml") : path
    if isDirectory.boolValue && !FileManager.default.fileExists(atPath: file) {
      throw SuiteError.unreadable(file: path, message: "the folder has no suite.yaml")
    }
    let directory = (file as NSString).deletingLastPathComponent
    let text: String
    do {
      text = try TextFile.read(file)
    } catch {
      throw SuiteError.invalid(file: file, line: error.line, path: "", message: error.reason)
    }
    let root = try SuiteError.checking { () throws(YAMLProblem) in
      try YAMLNode.parse(text, file: file)
        ?? YAMLNode(.scalar(.null), location: YAMLLocation(file: file, line: nil, path: ""))
    }
    func resolve(_ relative: String) -> String { SuiteLoader.resolve(relative, in: directory) }
    func checking<Value>(_ body: () throws(YAMLProblem) -> Value) throws(SuiteError) -> Value {
      try SuiteError.checking(body)
    }

    try checking { () throws(YAMLProblem) in try root.rejectUnknown(allowed: Self.topLevelKeys) }
    let agentNode = try checking { () throws(YAMLProblem) in
      guard let node = try root.member("agent") else {
        throw root.problem("missing key \"agent\" (the path of the agent spec)")
      }
      return node
    }
    let intentsNode = try checking { () throws(YAMLProblem) in try root.member("intents") }
    // The team's own agent: a command or a URL, its decision points from `intents:`.
    let externalAgent = try checking { () throws(YAMLProblem) -> ExternalAgent? in
      guard agentNode.entries != nil else {
        if let intentsNode {
          throw intentsNode.problem("intents of a spec agent belong in its agent.yaml")
        }
        return nil
      }
      return try ExternalAgentReader.agent(agentNode, directory: directory)
    }
    let agentPath: String
    let agent: AgentSpec
    if let externalAgent {
      agentPath = file
      agent = try checking { () throws(YAMLProblem) in
        try ExternalAgentReader.spec(
          intentsNode,
          name: try root.member("name")?.string() ?? (directory as NSString).lastPathComponent,
          agent: externalAgent)
      }
    } else {
      agentPath = resolve(try checking { () throws(YAMLProblem) in try agentNode.string() })
      guard FileManager.default.fileExists(atPath: agentPath) else {
        throw SuiteError(agentNode.problem("no file at \(agentPath)"))
      }
      agent = try loadAgent(agentPath, nil)
    }

    var variants: [Variant] = []
    if let variantsNode = try checking({ () throws(YAMLProblem) in try root.member("variants") }),
      !variantsNode.isNull
    {
      for entry in try checking({ () throws(YAMLProblem) in try variantsNode.mapping() }) {
        if externalAgent != nil {
          let read = try checking { () throws(YAMLProblem) in
            try ExternalAgentReader.variant(entry.value, readModes: Self.readModes)
          }
          var variant = Variant(
            name: entry.key, description: read.description, spec: agent, modes: read.modes)
          variant.environment = read.environment
          variants.append(variant)
          continue
        }
        let read = try checking { () throws(YAMLProblem) in
          try Self.readVariant(entry.value)
        }
        variants.append(
          Variant(
            name: entry.key, description: read.description, patch: read.patch,
            spec: try read.patch.map { try loadAgent(agentPath, $0) } ?? agent, modes: read.modes))
      }
    }
    if variants.isEmpty { variants = [Variant(name: "default", spec: agent)] }

    let rest = try checking { () throws(YAMLProblem) in
      try readRest(root, directory: directory)
    }
    var suite = Suite(
      name: rest.name ?? (directory as NSString).lastPathComponent, directory: directory,
      file: file, agentPath: agentPath, agent: agent, variants: variants,
      fixtureFiles: rest.fixtureFiles, expectations: rest.expectations, cassette: rest.cassette,
      modes: rest.modes, thresholds: rest.thresholds, redaction: rest.redaction,
      externalAgent: externalAgent)
    suite.strict = rest.strict
    suite.judge = rest.judge
    suite.embeddings = rest.embeddings
    if let node = try checking({ () throws(YAMLProblem) in try root.member("compare_to") }) {
      let name = try checking { () throws(YAMLProblem) in try node.string() }
      let names = variants.map(\.name)
      guard names.contains(name) else {
        let near = YAMLNode.suggestion(for: name, among: names).map { " (did you mean \($0)?)" }
        throw SuiteError(
          node.problem(
            "compare_to names no variant of the suite: \"\(name)\"\(near ?? "")"))
      }
      suite.compareTo = name
    }
    return suite
  }

  /// What a suite file holds besides its agent and variants.
  private struct Rest {
    var name: String?
    var fixtureFiles: [String] = []
    var expectations = Expectations.none
    var cassette: String?
    var modes: [ReplayMode] = [.step]
    var thresholds = Thresholds()
    var redaction: [YAMLNode] = []
    var strict = false
    var judge: JudgeModelSettings?
    var embeddings: JudgeModelSettings?
  }

  private func readRest(_ root: YAMLNode, directory: String) throws(YAMLProblem) -> Rest {
    func resolve(_ relative: String) -> String { SuiteLoader.resolve(relative, in: directory) }
    var rest = Rest()
    rest.name = try root.member("name").map { (node) throws(YAMLProblem) in try node.string() }

    guard let fixtures = try root.member("fixtures") else {
      throw root.problem("missing key \"fixtures\" (globs of golden thread files)")
    }
    for node in Self.oneOrMany(fixtures) {
      let pattern = try node.string()
      guard let matched = try? SuiteLoader.glob(resolve(pattern)) else {
        throw node.problem("* is allowed in the file name only, not in directories")
      }
      guard !matched.isEmpty || !requiresFixtures else { throw node.problem("matches no file") }
      rest.fixtureFiles += matched
    }

    if let node = try root.member("expectations") {
      if case .scalar(.string(let relative)) = node.content {
        let expectationsFile = resolve(relative)
        let expectationsText: String
        do {
          expectationsText = try String(contentsOfFile: expectationsFile, encoding: .utf8)
        } catch {
          throw node.problem("cannot read \(expectationsFile)")
        }
        if let document = try YAMLNode.parse(expectationsText, file: expectationsFile) {
          rest.expectations = try Expectations.parse(document)
        }
      } else {
        rest.expectations = try Expectations.parse(node)
      }
    }

    if let node = try root.member("modes") { rest.modes = try Self.readModes(node) }
    if let node = try root.member("strict") { rest.strict = try node.bool() }
    if let node = try root.member("thresholds") { rest.thresholds = try readThresholds(node) }
    if let node = try root.member("redaction"), !node.isNull {
      rest.redaction = try node.sequence()
    }
    rest.cassette = try root.member("cassette").map { (node) throws(YAMLProblem) in
      resolve(try node.string())
    }
    if let node = try root.member("judge") {
      rest.judge = try JudgeModelSettings.read(
        node, directory: directory, defaultCassette: "cassettes/judge.jsonl", allowsPrompt: true)
    }
    if let node = try root.member("embeddings") {
      rest.embeddings = try JudgeModelSettings.read(
        node, directory: directory, defaultCassette: "cassettes/embeddings.jsonl",
        allowsPrompt: false)
    }
    return rest
  }

  /// The items of a list, or the node itself when it is one value.
  private static func oneOrMany(_ node: YAMLNode) -> [YAMLNode] {
    if case .sequence(let items) = node.content { return items }
    return [node]
  }

  /// A variant's own keys (`description`, `modes`) and its patch of the agent document.
  private static func readVariant(_ node: YAMLNode) throws(YAMLProblem)
    -> (description: String?, modes: [ReplayMode]?, patch: YAMLNode?)
  {
    var read: (description: String?, modes: [ReplayMode]?, patch: YAMLNode?) = (nil, nil, nil)
    if node.isNull { return read }
    try node.rejectUnknown(allowed: ["description", "modes"] + AgentSpecLoader.topLevelKeys)
    var changes: [YAMLNode.Entry] = []
    for change in try node.mapping() {
      var change = change
      switch change.key {
      case "description":
        read.description = try change.value.string()
        continue
      case "modes":
        read.modes = try readModes(change.value)
        continue
      case "model":
        if case .scalar(.string) = change.value.content {
          let name = YAMLNode.Entry(
            key: "name", keyLocation: change.value.location, value: change.value)
          change.value = YAMLNode(.mapping([name]), location: change.value.location)
        }
      default:
        break
      }
      changes.append(change)
    }
    if !changes.isEmpty { read.patch = YAMLNode(.mapping(changes), location: node.location) }
    return read
  }

  private static func readModes(_ node: YAMLNode) throws(YAMLProblem) -> [ReplayMode] {
    var modes: [ReplayMode] = []
    for item in oneOrMany(node) {
      let mode: ReplayMode = try item.choice()
      if !modes.contains(mode) { modes.append(mode) }
    }
    if modes.isEmpty { throw node.problem("expected at least one of step, loop") }
    return modes
  }

  private func readThresholds(_ node: YAMLNode) throws(YAMLProblem) -> Thresholds {
    let keys = [
      "min_intent_accuracy", "min_parameter_accuracy", "min_case_pass_rate", "min_loop_pass_rate",
      "min_judged_pass_rate", "max_regression_p",
    ]
    try node.rejectUnknown(allowed: keys)
    func rate(_ key: String) throws(YAMLProblem) -> Double? {
      guard let value = try node.member(key) else { return nil }
      let number = try value.number()
      guard (0...1).contains(number) else {
        throw value.problem("expected a number between 0 and 1")
      }
      return number
    }
    return Thresholds(
      minIntentAccuracy: try rate("min_intent_accuracy"),
      minParameterAccuracy: try rate("min_parameter_accuracy"),
      minCasePassRate: try rate("min_case_pass_rate"),
      minLoopPassRate: try rate("min_loop_pass_rate"),
      minJudgedPassRate: try rate("min_judged_pass_rate"),
      maxRegressionP: try rate("max_regression_p") ?? 0.05)
  }

  /// `relative` resolved against `directory` (absolute paths stay), with `.` and `..` folded.
  static func resolve(_ relative: String, in directory: String) -> String {
    let joined =
      relative.hasPrefix("/") ? relative : (directory as NSString).appendingPathComponent(relative)
    return (joined as NSString).standardizingPath
  }

  /// The files matching `pattern`, sorted by name.
  ///
  /// `*` may appear in the last path component only. A pattern without `*` matches the file if it exists.
  static func glob(_ pattern: String) throws(SuiteError) -> [String] {
    let directory = (pattern as NSString).deletingLastPathComponent
    let last = (pattern as NSString).lastPathComponent
    guard !directory.contains("*") else {
      throw .invalid(
        file: pattern, line: nil, path: "", message: "* is allowed in the file name only")
    }
    guard last.contains("*") else {
      return FileManager.default.fileExists(atPath: pattern) ? [pattern] : []
    }
    let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
    return names.filter { !$0.hasPrefix(".") && Expectations.matches(pattern: last, $0) }.sorted()
      .map { (directory as NSString).appendingPathComponent($0) }
  }
}
