/// What a streaming append wrote.
public struct AppendCounts: Sendable, Hashable {
  public var written = 0
  public var skipped = 0
  /// The number of threads the lines belonged to.
  public var threads = 0

  public init(written: Int = 0, skipped: Int = 0, threads: Int = 0) {
    self.written = written
    self.skipped = skipped
    self.threads = threads
  }
}
