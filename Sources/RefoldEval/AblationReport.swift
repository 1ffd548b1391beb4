import RefoldCore

/// What ``DecisionAblation`` found: which events flip the decision, alone and together.
public struct AblationReport: Sendable, Hashable {
  /// Removing one event alone.
  public struct Single: Sendable, Hashable {
    public var flips: Bool
    /// The decision with the event removed.
    public var answer: ProbeAnswer
  }

  /// The decision with nothing removed.
  public var baseline: ProbeAnswer
  /// The seqs of the events before the decision point, each a candidate.
  public var candidates: [Int]
  /// By seq: what removing the event alone did (absent when the budget ran out first).
  public var singles: [Int: Single]
  /// A smallest set of seqs whose removal flips the decision (nil: none found).
  public var minimal: [Int]?
  /// The decision with ``minimal`` removed.
  public var minimalAnswer: ProbeAnswer?
  /// Whether ``minimal`` is 1-minimal (the search finished on it).
  public var isOneMinimal: Bool
  /// Whether removing every prior event flips the decision.
  public var allRemovedFlips: Bool
  /// Questions asked of the decider.
  public var calls: Int
  public var budget: Int
  /// Whether the budget ran out before the search finished.
  public var budgetSpent: Bool
}
