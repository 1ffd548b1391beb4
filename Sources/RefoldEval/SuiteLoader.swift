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
/// Reading the agent spec is the caller's: pass `RefoldModels.AgentSpecLoader.load`.
public struct SuiteLoader: Sendable {
  /// Reads an agent spec file (a path resolved against the suite directory).
  public typealias AgentLoader = @Sendable (String) throws -> AgentSpec

  public var loadAgent: AgentLoader
  /// Whether a `fixtures` pattern that matches no file is an error: it is for evaluation (a
  /// typo would silently shrink the suite), not for `refold promote` filling a new suite.
  public var requiresFixtures: Bool

  public init(loadAgent: @escaping AgentLoader, requiresFixtures: Bool = true) {
    self.loadAgent = loadAgent
    self.requiresFixtures = requiresFixtures
  }

  static let topLevelKeys = [
    "name", "description", "agent", "variants", "fixtures", "expectations", "cassette", "modes",
    "thresholds", "redaction",
  ]

  /// Loads the suite at `path`: a `suite.yaml` file or the directory holding one.
  ///
  /// - Throws: ``SuiteError`` naming the file and the path inside it; what the agent loader
  ///   throws passes through unchanged.
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
    let (value, reader) = try YAMLDocument.parse(text, file: file)
    let members = try reader.object(value, "")
    try reader.onlyKeys(members, SuiteLoader.topLevelKeys, "")
    func resolve(_ relative: String) -> String { SuiteLoader.resolve(relative, in: directory) }

    guard let agentValue = members["agent"] else {
      throw reader.error("", "missing key \"agent\" (the path of the agent spec)")
    }
    let agentPath = resolve(try reader.string(agentValue, "agent"))
    guard FileManager.default.fileExists(atPath: agentPath) else {
      throw reader.error("agent", "no file at \(agentPath)")
    }
    let agent = try loadAgent(agentPath)

    var variants: [Variant] = []
    if let variantsValue = members["variants"], !variantsValue.isNull {
      let variantMembers = try reader.object(variantsValue, "variants")
      let ordered = variantMembers.keys.sorted {
        (reader.lines["variants.\($0)"] ?? 0, $0) < (reader.lines["variants.\($1)"] ?? 0, $1)
      }
      for name in ordered {
        variants.append(
          try parseVariant(
            name, variantMembers[name] ?? .null, reader, "variants.\(name)", directory))
      }
    }
    if variants.isEmpty { variants = [Variant(name: "default")] }

    guard let fixturesValue = members["fixtures"] else {
      throw reader.error("", "missing key \"fixtures\" (globs of golden thread files)")
    }
    var fixtureFiles: [String] = []
    for (index, pattern) in try reader.stringList(fixturesValue, "fixtures").enumerated() {
      let path = members["fixtures"]?.arrayValue == nil ? "fixtures" : "fixtures[\(index)]"
      let matched: [String]
      do {
        matched = try SuiteLoader.glob(resolve(pattern))
      } catch {
        throw reader.error(path, "* is allowed in the file name only, not in directories")
      }
      guard !matched.isEmpty || !requiresFixtures else {
        throw reader.error(path, "matches no file")
      }
      fixtureFiles += matched
    }

    var expectations = Expectations.none
    if let expectationsValue = members["expectations"] {
      if case .string(let relative) = expectationsValue {
        let expectationsFile = resolve(relative)
        let expectationsText: String
        do {
          expectationsText = try String(contentsOfFile: expectationsFile, encoding: .utf8)
        } catch {
          throw reader.error("expectations", "cannot read \(expectationsFile)")
        }
        let (document, documentReader) = try YAMLDocument.parse(
          expectationsText, file: expectationsFile)
        expectations = try Expectations.parse(document, reader: documentReader)
      } else {
        expectations = try Expectations.parse(
          expectationsValue, reader: reader, path: "expectations")
      }
    }

    var modes: [ReplayMode] = [.step]
    if let modesValue = members["modes"] {
      modes = []
      for (index, mode) in try reader.stringList(modesValue, "modes").enumerated() {
        guard let parsed = ReplayMode(rawValue: mode) else {
          throw reader.error("modes[\(index)]", "expected one of step, loop")
        }
        if !modes.contains(parsed) { modes.append(parsed) }
      }
      if modes.isEmpty { throw reader.error("modes", "expected at least one of step, loop") }
    }

    var thresholds = Thresholds()
    if let thresholdsValue = members["thresholds"] {
      thresholds = try parseThresholds(thresholdsValue, reader)
    }

    var redaction: [JSONValue] = []
    if let redactionValue = members["redaction"], !redactionValue.isNull {
      redaction = try reader.array(redactionValue, "redaction")
    }

    let name =
      try members["name"].map { (value) throws(SuiteError) in try reader.string(value, "name") }
      ?? (directory as NSString).lastPathComponent
    return Suite(
      name: name, directory: directory, file: file, agentPath: agentPath, agent: agent,
      variants: variants, fixtureFiles: fixtureFiles, expectations: expectations,
      cassette: try members["cassette"].map { (value) throws(SuiteError) in
        resolve(try reader.string(value, "cassette"))
      }, modes: modes, thresholds: thresholds, redaction: redaction)
  }

  private func parseVariant(
    _ name: String, _ value: JSONValue, _ reader: DocumentReader, _ path: String,
    _ directory: String
  ) throws(SuiteError) -> Variant {
    var variant = Variant(name: name)
    if value.isNull { return variant }
    let members = try reader.object(value, path)
    try reader.onlyKeys(
      members, ["description", "prompt", "context_format", "output_mode", "model", "modes"], path)
    if let modes = members["modes"] {
      var parsed: [ReplayMode] = []
      for (index, mode) in try reader.stringList(modes, "\(path).modes").enumerated() {
        guard let value = ReplayMode(rawValue: mode) else {
          throw reader.error("\(path).modes[\(index)]", "expected one of step, loop")
        }
        if !parsed.contains(value) { parsed.append(value) }
      }
      if parsed.isEmpty {
        throw reader.error("\(path).modes", "expected at least one of step, loop")
      }
      variant.modes = parsed
    }
    if let prompt = members["prompt"] {
      let promptPath = SuiteLoader.resolve(
        try reader.string(prompt, "\(path).prompt"), in: directory)
      do {
        variant.promptTemplate = try String(contentsOfFile: promptPath, encoding: .utf8)
      } catch {
        throw reader.error("\(path).prompt", "cannot read \(promptPath)")
      }
      variant.promptPath = promptPath
    }
    if let format = members["context_format"] {
      variant.contextFormat = try reader.oneOf(
        format, "\(path).context_format", ContextFormatKind.self)
    }
    if let mode = members["output_mode"] {
      variant.outputMode = try reader.oneOf(mode, "\(path).output_mode", OutputMode.self)
    }
    if let model = members["model"] {
      variant.model = try parseModel(model, reader, "\(path).model")
    }
    return variant
  }

  private func parseModel(_ value: JSONValue, _ reader: DocumentReader, _ path: String)
    throws(SuiteError) -> ModelOverride
  {
    if case .string(let name) = value { return ModelOverride(name: name) }
    let members = try reader.object(value, path)
    try reader.onlyKeys(
      members,
      [
        "name", "provider", "base_url", "api_key_env", "temperature", "top_p", "max_tokens",
        "seed",
      ], path)
    var model = ModelOverride()
    func at(_ key: String) -> String { "\(path).\(key)" }
    if let value = members["name"] { model.name = try reader.string(value, at("name")) }
    if let value = members["provider"] {
      model.provider = try reader.oneOf(value, at("provider"), ModelSettings.Provider.self)
    }
    if let value = members["base_url"] { model.baseURL = try reader.string(value, at("base_url")) }
    if let value = members["api_key_env"] {
      model.apiKeyEnvironment = try reader.string(value, at("api_key_env"))
    }
    if let value = members["temperature"] {
      model.temperature = try reader.double(value, at("temperature"))
    }
    if let value = members["top_p"] { model.topP = try reader.double(value, at("top_p")) }
    if let value = members["max_tokens"] {
      model.maxTokens = try reader.int(value, at("max_tokens"), minimum: 1)
    }
    if let value = members["seed"] { model.seed = try reader.int(value, at("seed")) }
    return model
  }

  private func parseThresholds(_ value: JSONValue, _ reader: DocumentReader) throws(SuiteError)
    -> Thresholds
  {
    let members = try reader.object(value, "thresholds")
    let keys = [
      "min_intent_accuracy", "min_parameter_accuracy", "min_case_pass_rate", "min_loop_pass_rate",
      "max_regression_p",
    ]
    try reader.onlyKeys(members, keys, "thresholds")
    func rate(_ key: String) throws(SuiteError) -> Double? {
      guard let value = members[key] else { return nil }
      let number = try reader.double(value, "thresholds.\(key)")
      guard (0...1).contains(number) else {
        throw reader.error("thresholds.\(key)", "expected a number between 0 and 1")
      }
      return number
    }
    return Thresholds(
      minIntentAccuracy: try rate("min_intent_accuracy"),
      minParameterAccuracy: try rate("min_parameter_accuracy"),
      minCasePassRate: try rate("min_case_pass_rate"),
      minLoopPassRate: try rate("min_loop_pass_rate"),
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
