import RefoldShared

/// The failing cases a summary lists for one run: how many there are and the first few, as
/// the run's threads stream by.
struct FailingCaseList: Sendable {
  /// One listed case: what the summary's line shows.
  struct Entry: Sendable {
    var id: String
    var verdict: CaseResult.Verdict
    var message: String
  }

  /// Cases listed at most.
  let limit: Int
  /// Failing cases seen.
  private(set) var count = 0
  /// The first `limit` failing cases, in case order.
  private(set) var listed: [Entry] = []

  init(limit: Int) {
    self.limit = limit
  }

  /// Counts `result` when it failed, and keeps it while fewer than `limit` are listed.
  mutating func add(_ result: CaseResult) {
    guard !result.passed else { return }
    count += 1
    if listed.count < limit {
      listed.append(
        Entry(id: result.id, verdict: result.verdict, message: JUnitReportWriter.message(result)))
    }
  }
}
