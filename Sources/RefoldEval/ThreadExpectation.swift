import RefoldCore

/// The overrides for one thread (or a pattern of threads).
public struct ThreadExpectation: Sendable, Hashable {
  /// A thread id, or a pattern with `*`.
  public var thread: String
  public var steps: [StepExpectation]
  public var faults: [ToolFault]
  public var behaviour: BehaviourExpectation

  public init(
    thread: String, steps: [StepExpectation] = [], faults: [ToolFault] = [],
    behaviour: BehaviourExpectation = BehaviourExpectation()
  ) {
    self.thread = thread
    self.steps = steps
    self.faults = faults
    self.behaviour = behaviour
  }

  /// The override for decision `step` whose event has `seq`, if any (the last one wins).
  public func step(_ step: Int, seq: Int) -> StepExpectation? {
    steps.last { expectation in
      switch expectation.selector {
      case .step(let index): return index == step
      case .seq(let value): return value == seq
      }
    }
  }
}
