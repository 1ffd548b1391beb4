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
}
