/// Two runs of one evaluation to compare, as indexes into its runs: the reference side and
/// the side compared with it.
public struct ComparisonPair: Sendable, Hashable {
  /// The reference run's index.
  public var baseline: Int
  /// The compared run's index.
  public var candidate: Int

  public init(baseline: Int, candidate: Int) {
    self.baseline = baseline
    self.candidate = candidate
  }
}
