import RefoldCore

/// A suite as loaded from `evals/<suite>/suite.yaml`.
///
/// The agent, its variants, its golden fixtures, expectations, cassette, modes and
/// thresholds. Paths are resolved against the suite's directory.
public struct Suite: Sendable, Hashable {
  public var name: String
  /// The suite's directory.
  public var directory: String
  /// The `suite.yaml` file.
  public var file: String
  /// The agent spec file, resolved.
  public var agentPath: String
  /// The agent as its spec file defines it (before variant overrides).
  public var agent: AgentSpec
  /// The variants in file order; a suite without `variants` has one, `default`, with no
  /// overrides.
  public var variants: [Variant]
  /// The fixture files the globs matched, sorted within each glob.
  public var fixtureFiles: [String]
  public var expectations: Expectations
  /// The cassette path template, resolved; may contain `{variant}`.
  public var cassette: String?
  public var modes: [ReplayMode]
  public var thresholds: Thresholds
  /// Redaction rules for promoting threads to fixtures, kept as written.
  public var redaction: [JSONValue]

  public init(
    name: String, directory: String, file: String, agentPath: String, agent: AgentSpec,
    variants: [Variant], fixtureFiles: [String], expectations: Expectations, cassette: String?,
    modes: [ReplayMode], thresholds: Thresholds, redaction: [JSONValue]
  ) {
    self.name = name
    self.directory = directory
    self.file = file
    self.agentPath = agentPath
    self.agent = agent
    self.variants = variants
    self.fixtureFiles = fixtureFiles
    self.expectations = expectations
    self.cassette = cassette
    self.modes = modes
    self.thresholds = thresholds
    self.redaction = redaction
  }

  /// The variant named `name`.
  public func variant(named name: String) -> Variant? { variants.first { $0.name == name } }

  /// The agent spec with `variant`'s overrides applied.
  public func spec(for variant: Variant) -> AgentSpec { variant.apply(to: agent) }

  /// The cassette path for `variant`, with `{variant}` replaced.
  public func cassettePath(for variant: Variant) -> String? {
    cassette?.replacingOccurrences(of: "{variant}", with: variant.name)
  }

  /// The golden threads of all fixture files.
  public func loadThreads() throws(SuiteError) -> [[Event]] {
    try FixtureLoader.load(fixtureFiles)
  }
}

/// A replay mode a suite runs in.
public enum ReplayMode: String, Sendable, Hashable, Codable, CaseIterable {
  /// Teacher-forced: every decision point of every golden thread.
  case step
  /// Closed loop from each thread's trigger.
  case loop
}

/// A named set of overrides to the agent spec.
public struct Variant: Sendable, Hashable {
  public var name: String
  /// The prompt template file, resolved, and its text (read by the loader).
  public var promptPath: String?
  public var promptTemplate: String?
  public var contextFormat: ContextFormatKind?
  public var outputMode: OutputMode?
  public var model: ModelOverride

  public init(
    name: String, promptPath: String? = nil, promptTemplate: String? = nil,
    contextFormat: ContextFormatKind? = nil, outputMode: OutputMode? = nil,
    model: ModelOverride = ModelOverride()
  ) {
    self.name = name
    self.promptPath = promptPath
    self.promptTemplate = promptTemplate
    self.contextFormat = contextFormat
    self.outputMode = outputMode
    self.model = model
  }

  /// `spec` with this variant's overrides; pure.
  public func apply(to spec: AgentSpec) -> AgentSpec {
    var result = spec
    if let promptTemplate {
      result.promptTemplate = promptTemplate
      result.promptPath = promptPath
    }
    if let contextFormat { result.contextFormat = contextFormat }
    if let outputMode { result.outputMode = outputMode }
    result.model = model.apply(to: spec.model)
    return result
  }
}

/// Model settings a variant overrides; nil fields keep the agent's.
public struct ModelOverride: Sendable, Hashable {
  public var provider: ModelSettings.Provider?
  public var name: String?
  public var baseURL: String?
  public var apiKeyEnvironment: String?
  public var temperature: Double?
  public var topP: Double?
  public var maxTokens: Int?
  public var seed: Int?

  public init(
    provider: ModelSettings.Provider? = nil, name: String? = nil, baseURL: String? = nil,
    apiKeyEnvironment: String? = nil, temperature: Double? = nil, topP: Double? = nil,
    maxTokens: Int? = nil, seed: Int? = nil
  ) {
    self.provider = provider
    self.name = name
    self.baseURL = baseURL
    self.apiKeyEnvironment = apiKeyEnvironment
    self.temperature = temperature
    self.topP = topP
    self.maxTokens = maxTokens
    self.seed = seed
  }

  /// `settings` with the overridden fields replaced.
  public func apply(to settings: ModelSettings) -> ModelSettings {
    var result = settings
    if let provider { result.provider = provider }
    if let name { result.name = name }
    if let baseURL { result.baseURL = baseURL }
    if let apiKeyEnvironment { result.apiKeyEnvironment = apiKeyEnvironment }
    if let temperature { result.temperature = temperature }
    if let topP { result.topP = topP }
    if let maxTokens { result.maxTokens = maxTokens }
    if let seed { result.seed = seed }
    return result
  }
}
