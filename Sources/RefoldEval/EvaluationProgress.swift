/// Where an evaluation reports its progress: one variant at a time, one case at a time.
///
/// The golden threads are read as they are evaluated, so how many cases a run will have is
/// not known ahead; progress is how much of the fixtures has been read. The CLI draws a
/// progress line on a terminal; ``SilentProgress`` shows nothing.
public protocol EvaluationProgress: Sendable {
  /// A variant starts over fixtures of `fixtureBytes` bytes.
  func start(label: String, fixtureBytes: Int)
  /// One more case is scored, its thread ending `bytesRead` bytes into the fixtures.
  func advance(bytesRead: Int)
  /// The variant's cases are all scored.
  func finish()
}
