import RefoldCore
import RefoldModels

/// A named change to the agent: a patch laid over the agent document (`agent.yaml`) before
/// it is loaded, so a variant may change any field a spec has.
///
/// In `suite.yaml` a variant is written as the part of `agent.yaml` it changes, plus its own
/// `description` and `modes`:
///
/// ```yaml
/// variants:
///   concise:
///     prompt: prompts/concise.mustache     # relative to suite.yaml, the file naming it
///     context_format: json-events
///     model: {name: gpt-4o-mini, temperature: 0}   # merged into the agent's model
///     modes: [step]
/// ```
public struct Variant: Sendable, Hashable {
  public var name: String
  public var description: String?
  /// The change to the agent document, as written in `suite.yaml` (`model: NAME` read as
  /// `model: {name: NAME}`); nil when the variant changes nothing.
  public var patch: YAMLNode?
  /// The agent spec with ``patch`` applied.
  public var spec: AgentSpec
  /// Replay modes for this variant, when they differ from the suite's (a costly live
  /// variant may run in step mode only).
  public var modes: [ReplayMode]?
  /// Variables this variant adds to an external agent's environment (`env:`).
  public var environment: [String: String] = [:]

  public init(
    name: String, description: String? = nil, patch: YAMLNode? = nil, spec: AgentSpec,
    modes: [ReplayMode]? = nil
  ) {
    self.name = name
    self.description = description
    self.patch = patch
    self.spec = spec
    self.modes = modes
  }
}
