import Foundation
import RefoldCore
import RefoldModels

/// A deploy bot: its spec (prompt, intents, policy) is `agent.yaml`; its tools are Swift.
///
/// ```swift
/// let agent = try DeployAgent(specPath: "evals/deploy/agent.yaml", tools: DeployTools(...))
/// let result = try await agent.loop(decider: try agent.modelDecider())
///   .advance(thread: "deploy-1", events: events)
/// ```
public struct DeployAgent: Sendable {
  public var spec: AgentSpec
  public var tools: DeployTools

  /// Loads the spec at `specPath`; the model settings come from it (`model.base_url` …).
  public init(specPath: String, tools: DeployTools, environment: [String: String] = [:]) throws {
    spec = try AgentSpecLoader(environment: environment).load(path: specPath)
    self.tools = tools
  }

  /// The model behind the spec: its prompt and context format, asked at `baseURL`.
  public func modelDecider(baseURL: String? = nil, environment: [String: String] = [:]) throws
    -> ModelDecider
  {
    var settings = spec.model
    if let baseURL { settings.baseURL = baseURL }
    return try ModelDecider(
      spec: spec, source: try LiveModelSource(settings: settings, environment: environment))
  }

  /// The agent loop: ask the decider, run sync tools, stop for approvals and humans.
  public func loop(decider: any Decider) -> AgentLoop {
    AgentLoop(spec: spec, decider: decider, tools: tools)
  }
}
