import RefoldCore

/// The overrides for one thread (or a pattern of threads).
public struct ThreadExpectation: Sendable, Hashable {
  /// A thread id, or a pattern with `*`.
  public var thread: String
  public var steps: [StepExpectation]
  public var faults: [ToolFault]
  public var behaviour: BehaviourExpectation
  /// Matchers for every decision of an intent, such as `done_for_now: {message: any}`.
  ///
  /// Free text such as a closing message is rarely worth comparing exactly. A step's own
  /// matchers win.
  public var intents: [String: [String: ParameterMatcher]]

  public init(
    thread: String, steps: [StepExpectation] = [], faults: [ToolFault] = [],
    behaviour: BehaviourExpectation = BehaviourExpectation(),
    intents: [String: [String: ParameterMatcher]] = [:]
  ) {
    self.thread = thread
    self.intents = intents
    self.steps = steps
    self.faults = faults
    self.behaviour = behaviour
  }

  /// The override for decision `step` whose event has `seq`, if any (the last one wins),
  /// with the matchers for its golden `intent` underneath the step's own.
  public func step(_ step: Int, seq: Int, intent: String? = nil) -> StepExpectation? {
    let explicit = steps.last { expectation in
      switch expectation.selector {
      case .step(let index): return index == step
      case .seq(let value): return value == seq
      }
    }
    guard let intent, let shared = intents[intent], !shared.isEmpty else { return explicit }
    var merged = explicit ?? StepExpectation(selector: .step(step))
    merged.parameters = shared.merging(merged.parameters) { _, own in own }
    return merged
  }
}
