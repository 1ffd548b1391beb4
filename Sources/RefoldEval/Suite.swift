import RefoldCore
import RefoldModels

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
  /// The agent spec file, resolved (the suite file for an external agent).
  public var agentPath: String
  /// The agent as its spec file defines it (before any variant's patch); for an external
  /// agent, its decision points (the suite's `intents:`, or none: the default vocabulary).
  public var agent: AgentSpec
  /// The team's own agent, when `agent:` names a command or a URL instead of a spec file.
  public var externalAgent: ExternalAgent?
  /// The variants in file order; a suite without `variants` has one, `default`, that
  /// changes nothing.
  public var variants: [Variant]
  /// The fixture files the globs matched, sorted within each glob.
  public var fixtureFiles: [String]
  public var expectations: Expectations
  /// The cassette path template, resolved; may contain `{variant}`.
  public var cassette: String?
  public var modes: [ReplayMode]
  public var thresholds: Thresholds
  /// Redaction rules for promoting threads to fixtures, as written (with their lines).
  public var redaction: [YAMLNode]
  /// The model that grades `judge` matchers (`judge:`), or nil.
  public var judge: JudgeModelSettings?
  /// The embeddings model `similar` matchers compare with (`embeddings:`), or nil.
  public var embeddings: JudgeModelSettings?
  /// Whether golden events of types unknown to the agent's vocabulary are errors rather
  /// than warnings (``SuiteValidator``).
  public var strict = false
  /// The variant the others are compared against (`compare_to:`; nil: the first variant).
  public var compareTo: String?

  public init(
    name: String, directory: String, file: String, agentPath: String, agent: AgentSpec,
    variants: [Variant], fixtureFiles: [String], expectations: Expectations, cassette: String?,
    modes: [ReplayMode], thresholds: Thresholds, redaction: [YAMLNode],
    externalAgent: ExternalAgent? = nil
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
    self.externalAgent = externalAgent
  }

  /// The variant named `name`.
  public func variant(named name: String) -> Variant? { variants.first { $0.name == name } }

  /// The agent spec with `variant`'s patch applied.
  public func spec(for variant: Variant) -> AgentSpec { variant.spec }

  /// The external agent of `variant`: the suite's, with the variant's `env:` added.
  public func externalAgent(for variant: Variant) -> ExternalAgent? {
    externalAgent?.adding(environment: variant.environment)
  }

  /// The replay modes of `variant`: its own, else the suite's.
  public func modes(for variant: Variant) -> [ReplayMode] { variant.modes ?? modes }

  /// The cassette path for `variant`, with `{variant}` replaced.
  public func cassettePath(for variant: Variant) -> String? {
    cassette?.replacingOccurrences(of: "{variant}", with: variant.name)
  }

  /// The golden threads of all fixture files.
  public func loadThreads() throws(SuiteError) -> [[Event]] {
    try FixtureLoader.load(fixtureFiles)
  }

  /// The golden threads of all fixture files, with what ``SuiteValidator`` found checking
  /// them and the expectations against the spec (call ``SuiteValidation/check()`` to stop
  /// on its errors).
  ///
  /// - Throws: ``SuiteError`` for a fixture that cannot be read or parsed.
  public func loadValidatedThreads() throws(SuiteError)
    -> (threads: [[Event]], validation: SuiteValidation)
  {
    let loaded = try FixtureLoader.loadWithLines(fixtureFiles)
    return (
      loaded.threads, SuiteValidator.validate(self, threads: loaded.threads, lines: loaded.lines)
    )
  }
}

/// A replay mode a suite runs in.
public enum ReplayMode: String, Sendable, Hashable, Codable, CaseIterable {
  /// Teacher-forced: every decision point of every golden thread.
  case step
  /// Closed loop from each thread's trigger.
  case loop
}
