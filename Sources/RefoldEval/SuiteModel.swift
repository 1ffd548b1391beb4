import Foundation
import RefoldCore
import RefoldModels
import RefoldShared

/// The model of a suite's variants: the variant's cassette behind a model source kind, as
/// `refold eval --model recorded|live|record` asks it.
///
/// `recorded` replays the cassette (it must exist), `record` asks the live model and writes
/// what the cassette lacks, `live` asks the live model and keeps the exchanges in memory when
/// the suite names no cassette.
///
/// ```swift
/// let model = SuiteModel(kind: .recorded)
/// let evaluation = Evaluation(suite: path, loader: loader, decider: model.decider)
/// ```
public struct SuiteModel: Sendable {
  public var kind: ModelSourceKind
  /// What the live clients read (`api_key_env`).
  public var environment: [String: String]
  /// The transport and clock the live clients send, retry and time out with, and the wall
  /// time recorded exchanges are stamped with.
  public var dependencies: Dependencies
  /// Whether every cassette line is verified when the cassette is opened, instead of each
  /// line when it is first read (``JSONLCassette/init(path:verify:)``).
  public var verifiesCassettes = false
  /// The live clients' timeout, retries and requests in flight at once (`refold eval` sets
  /// the requests to its `--concurrency`, so that every thread in flight has its request
  /// in flight).
  public var clientOptions = ClientOptions()
  /// Opens the model endpoint of one variant's external agent on the variant's cassette and
  /// the agent's `upstream:` (nil: the agent's own model calls go wherever it sends them).
  public var agentModels: AgentModels?

  /// Opens the model endpoint an external agent's own model calls go to, for one variant.
  public typealias AgentModels =
    @Sendable (_ variant: Variant, _ cassette: any CassetteStore, _ upstream: String?) throws ->
    any AgentModelEndpoint

  public init(
    kind: ModelSourceKind, environment: [String: String] = ProcessInfo.processInfo.environment,
    dependencies: Dependencies = .live
  ) {
    self.kind = kind
    self.environment = environment
    self.dependencies = dependencies
  }

  /// The decider of `variant`, whose spec (the suite's agent with the variant's patch) is
  /// `spec`: the team's own agent when the suite names one (an ``ExternalAgentDecider``),
  /// else the spec's model behind the variant's cassette.
  ///
  /// - Throws: ``EvaluationError/noCassette(path:variant:)`` when a recorded cassette is
  ///   missing, ``EvaluationError/noCassetteNamed(suite:file:kind:)`` when the suite names
  ///   none to replay or record into; what the cassette, the model source and the decider
  ///   throw, unchanged.
  public func decider(suite: Suite, variant: Variant, spec: AgentSpec) throws -> any Decider {
    if let agent = suite.externalAgent(for: variant) {
      var endpoint: (any AgentModelEndpoint)?
      if let agentModels {
        // A missing file is an empty cassette: an agent that calls no model needs none.
        let cassette: any CassetteStore =
          try suite.cassettePath(for: variant).map {
            try JSONLCassette(path: $0, verify: verifiesCassettes)
          } ?? InMemoryCassette()
        endpoint = try agentModels(variant, cassette, agent.upstream)
      }
      return try ExternalAgentDecider(
        agent: agent, suite: suite.name, variant: variant.name, vocabulary: spec.vocabulary,
        baseEnvironment: environment, dependencies: dependencies, modelEndpoint: endpoint)
    }
    let cassette: any CassetteStore
    if let path = suite.cassettePath(for: variant) {
      if kind == .recorded, !FileManager.default.fileExists(atPath: path) {
        throw EvaluationError.noCassette(path: path, variant: variant.name)
      }
      // A replay starts while the cassette's index is read; the evaluation waits for the
      // rest once the replay is over (`Decider.finishOpening()`).
      cassette =
        kind == .recorded && !verifiesCassettes
        ? try JSONLCassette.opening(path: path)
        : try JSONLCassette(path: path, verify: verifiesCassettes)
    } else if kind == .live {
      cassette = InMemoryCassette()
    } else {
      throw EvaluationError.noCassetteNamed(suite: suite.name, file: suite.file, kind: kind)
    }
    let source = try kind.makeSource(
      settings: spec.model, cassette: cassette, environment: environment,
      options: clientOptions, dependencies: dependencies)
    return try ModelDecider(spec: spec, source: source)
  }

  /// What answers the suite's `judge` and `similar` matchers: its `judge:` and `embeddings:`
  /// models, each behind its own cassette as this model's kind asks; nil when the suite
  /// names neither.
  ///
  /// - Throws: ``EvaluationError/noJudgeCassette(path:role:)`` when a recorded cassette is
  ///   missing, ``AgentSpecError`` for a judge prompt that does not parse, what the
  ///   cassettes and the model sources throw, unchanged.
  public func judge(suite: Suite) throws -> (any ParameterJudge)? {
    guard suite.judge != nil || suite.embeddings != nil else { return nil }
    func cassette(_ model: JudgeModelSettings, role: String) throws -> any CassetteStore {
      if kind == .recorded, !FileManager.default.fileExists(atPath: model.cassette) {
        throw EvaluationError.noJudgeCassette(path: model.cassette, role: role)
      }
      if kind == .live { return InMemoryCassette() }
      // Recording creates the file even when nothing is asked, so a replay finds it.
      try FileManager.default.createDirectory(
        atPath: (model.cassette as NSString).deletingLastPathComponent,
        withIntermediateDirectories: true)
      if !FileManager.default.fileExists(atPath: model.cassette) {
        _ = FileManager.default.createFile(atPath: model.cassette, contents: Data())
      }
      return try JSONLCassette(path: model.cassette, verify: verifiesCassettes)
    }
    var parameterJudge = ModelParameterJudge()
    if let model = suite.judge {
      parameterJudge.judge = try kind.makeSource(
        settings: model.settings, cassette: try cassette(model, role: "judge"),
        environment: environment, options: clientOptions, dependencies: dependencies)
      parameterJudge.judgeModel = model.settings
      parameterJudge.responseFormat = model.responseFormat
      parameterJudge.prompt = try model.loadPrompt()
    }
    if let model = suite.embeddings {
      let store = try cassette(model, role: "embeddings")
      let source: any ModelSource
      switch kind {
      case .recorded:
        source = RecordedModelSource(cassette: store)
      case .live, .record:
        let live = LiveModelSource(
          client: try OpenAIEmbeddingsClient(
            settings: model.settings, environment: environment, options: clientOptions,
            dependencies: dependencies))
        source =
          kind == .live
          ? live : RecordingModelSource(live: live, cassette: store, clock: dependencies.now)
      }
      parameterJudge.embeddings = source
      parameterJudge.embeddingsModel = model.settings.name
    }
    return parameterJudge
  }
}
