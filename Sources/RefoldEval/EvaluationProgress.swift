/// Where an evaluation reports its progress: one variant at a time, one case at a time.
///
/// The CLI draws a progress line on a terminal; ``SilentProgress`` shows nothing.
public protocol EvaluationProgress: Sendable {
  /// A variant starts; `total` cases are expected.
  func start(label: String, total: Int)
  /// One more case is scored.
  func advance()
  /// The variant's cases are all scored.
  func finish()
  /// Whether ``start(label:total:)`` needs the number of cases: counting them folds every
  /// golden thread once more, so progress that shows nothing says no (the total is then 0).
  var needsTotal: Bool { get }
}

extension EvaluationProgress {
  /// Progress needs the total unless it says otherwise.
  public var needsTotal: Bool { true }
}
