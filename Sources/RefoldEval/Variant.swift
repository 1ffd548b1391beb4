import RefoldCore

/// A named set of overrides to the agent spec.
public struct Variant: Sendable, Hashable {
  public var name: String
  /// The prompt template file, resolved, and its text (read by the loader).
  public var promptPath: String?
  public var promptTemplate: String?
  public var contextFormat: ContextFormatKind?
  public var outputMode: OutputMode?
  public var model: ModelOverride
  /// Replay modes for this variant, when they differ from the suite's (a costly live
  /// variant may run in step mode only).
  public var modes: [ReplayMode]?
  /// Variables this variant adds to an external agent's environment (`env:`).
  public var environment: [String: String] = [:]

  public init(
    name: String, promptPath: String? = nil, promptTemplate: String? = nil,
    contextFormat: ContextFormatKind? = nil, outputMode: OutputMode? = nil,
    model: ModelOverride = ModelOverride(), modes: [ReplayMode]? = nil
  ) {
    self.name = name
    self.modes = modes
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
