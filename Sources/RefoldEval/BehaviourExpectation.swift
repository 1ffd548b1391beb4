/// What a closed-loop run is expected to do; unset fields are not checked.
public struct BehaviourExpectation: Sendable, Hashable {
  /// At most this many retries (decisions right after an error that repeat the failed intent).
  public var retriesAtMost: Int?
  /// Whether the run hands over to a human.
  public var escalates: Bool?
  /// The last decision's intent, or a final status (`done`, `escalated`, `awaiting_human`, …).
  public var endsWith: String?
  /// At most this many decisions.
  public var maxSteps: Int?

  public init(
    retriesAtMost: Int? = nil, escalates: Bool? = nil, endsWith: String? = nil,
    maxSteps: Int? = nil
  ) {
    self.retriesAtMost = retriesAtMost
    self.escalates = escalates
    self.endsWith = endsWith
    self.maxSteps = maxSteps
  }

  /// Whether nothing is set.
  public var isEmpty: Bool {
    retriesAtMost == nil && escalates == nil && endsWith == nil && maxSteps == nil
  }

  mutating func merge(_ other: BehaviourExpectation) {
    retriesAtMost = other.retriesAtMost ?? retriesAtMost
    escalates = other.escalates ?? escalates
    endsWith = other.endsWith ?? endsWith
    maxSteps = other.maxSteps ?? maxSteps
  }
}
