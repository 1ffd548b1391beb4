/// Where evaluation runs are kept for trends, comparisons and re-rendering.
public protocol RunStore: Sendable {
  /// Stores a run with its per-decision verdicts; replaces nothing.
  func save(_ results: RunResults) throws
  /// A writer that stores a run as it is produced, thread by thread (see ``RunWriter``).
  ///
  /// - Throws: the store's run-exists error when the run id is already stored.
  func writer(for run: RunInfo) throws -> any RunWriter
  /// The run with this id, or nil.
  func run(id: String) throws -> RunResults?
  /// The outline of the run with this id (its info, summary and every case's outline), or
  /// nil: what a comparison needs, read without the cases' bodies or the golden threads.
  func outline(id: String) throws -> RunOutline?
  /// Runs of a suite, oldest first, with their summaries (for trends).
  func runs(suite: String) throws -> [RunRecord]
}

/// One stored run, without its cases.
public struct RunRecord: Sendable, Hashable, Codable {
  public var info: RunInfo
  public var summary: RunSummary
  /// The gate's verdict the run was stored with; nil for runs stored before gates were
  /// recorded.
  public var verdict: RunGate.Verdict?

  public init(info: RunInfo, summary: RunSummary, verdict: RunGate.Verdict? = nil) {
    self.info = info
    self.summary = summary
    self.verdict = verdict
  }
}

extension RunStore {
  /// The run's outline, taken from the whole run (stores with case rows read less).
  public func outline(id: String) throws -> RunOutline? {
    try run(id: id)?.outline
  }
}
