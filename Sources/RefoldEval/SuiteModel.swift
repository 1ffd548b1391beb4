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
      cassette = try JSONLCassette(path: path, verify: verifiesCassettes)
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
}
