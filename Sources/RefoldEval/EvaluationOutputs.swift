import RefoldCore
import RefoldShared

/// Where an evaluation's runs go as they stream: the reports (``EvaluationReport``) and each
/// run's writer in the run store (``RunWriter``), both begun with the first thread.
///
/// A store that fails does not stop the evaluation: its run is dropped from the store, the
/// reports are still written, and ``finish(_:outlines:baseline:pairs:stageEnded:)`` then
/// throws ``EvaluationError/runsNotStored(runs:reportLocation:reason:status:)``. A report
/// that fails stops it. Used by one task at a time.
final class EvaluationOutputs: @unchecked Sendable {
  let evaluationID: String
  /// Each variant's run as it starts.
  let infos: [RunInfo]
  private let reporter: (any EvaluationReporter)?
  private let openStore: @Sendable () throws -> (any RunStore)?
  private var report: (any EvaluationReport)?
  /// Where the reports take their threads: a queue of their own, so that they are written
  /// while the next threads are scored.
  private let reports = SerialPump(label: "refold.reports", capacity: 64)
  private var store: (any RunStore)?
  private var storeOpened = false
  private var writers: [Int: any RunWriter] = [:]
  /// The runs the store did not take, and the last reason.
  private var notStored: [String] = []
  private var storeError: (any Error)?

  init(
    evaluationID: String, reporter: (any EvaluationReporter)?,
    openStore: @escaping @Sendable () throws -> (any RunStore)?, infos: [RunInfo]
  ) {
    self.evaluationID = evaluationID
    self.reporter = reporter
    self.openStore = openStore
    self.infos = infos
  }

  /// Hands one thread of the variant at `variant` to the reports and the run store.
  ///
  /// - Throws: what opening the store or the reports throws.
  func add(variant: Int, _ thread: ThreadCases) throws {
    if let report = try openedReport() {
      try reports.submit { try report.add(variant: variant, thread) }
    }
    guard let writer = try writer(variant) else { return }
    do {
      try writer.add(thread)
    } catch {
      dropWriter(variant, error)
    }
  }

  /// Finishes the runs in the store (on a task of its own) while the reports are written,
  /// and returns where the reports are.
  ///
  /// Finishing a run whose store failed for a reason of the environment (a busy or full
  /// store) is tried twice more.
  /// - Throws: what the reports throw, then
  ///   ``EvaluationError/runsNotStored(runs:reportLocation:reason:status:)``.
  func finish(
    _ heads: [RunResults], outlines: [RunOutline], baseline: RunResults?,
    pairs: [ComparisonPair], stageEnded: @escaping @Sendable (String) -> Void
  ) async throws -> String? {
    var finishing: [(head: RunResults, writer: any RunWriter)] = []
    for (index, head) in heads.enumerated() {
      if let writer = try writer(index) { finishing.append((head, writer)) }
    }
    // This evaluation's runs are in the history as they will be once stored.
    let history =
      try reporter.map { _ in
        try (openedStore()?.runs(suite: heads.first?.run.suite ?? "") ?? [])
          + heads.map { RunRecord(info: $0.run, summary: $0.summary, verdict: $0.gate?.verdict) }
      } ?? []
    // The saving task takes the store's last references and drops them when it is done:
    // the store is closed (its last checkpoint, its write-ahead log removed) while the
    // reports are written, not after them.
    let held = HeldStore(store: try openedStore(), finishing: finishing)
    finishing = []
    store = nil
    writers = [:]
    let saving = Task.detached { () -> [(id: String, error: any Error)] in
      defer { held.release() }
      var failed: [(id: String, error: any Error)] = []
      for (head, writer) in held.finishing {
        var attempt = 0
        while true {
          do {
            try writer.finish(head)
            break
          } catch {
            attempt += 1
            let retryable = (error as? any RefoldError)?.exitStatus == .environment
            guard retryable, attempt < 3 else {
              writer.abandon()
              failed.append((head.run.id, error))
              break
            }
          }
        }
      }
      if !held.finishing.isEmpty { stageEnded("runs stored") }
      return failed
    }
    var location: String?
    if reporter != nil {
      do {
        try reports.drain()
        let report = try openedReport()
        location = try report?.finish(
          heads, outlines: outlines, history: history, baseline: baseline, pairs: pairs)
      } catch {
        _ = await saving.value
        throw error
      }
      stageEnded("reports written")
    }
    let failed = await saving.value
    let runs = notStored + failed.map(\.id)
    guard let error = failed.last?.error ?? storeError, !runs.isEmpty else { return location }
    let refold = error as? any RefoldError
    throw EvaluationError.runsNotStored(
      runs: runs, reportLocation: location, reason: refold?.description ?? "\(error)",
      status: refold?.exitStatus ?? .environment)
  }

  /// Drops everything begun: the reports' files and the runs' rows.
  func abandon() {
    try? reports.drain()
    report?.abandon()
    report = nil
    for writer in writers.values { writer.abandon() }
    writers = [:]
  }

  private func openedReport() throws -> (any EvaluationReport)? {
    if report == nil, let reporter {
      report = try reporter.begin(evaluationID: evaluationID, runs: infos)
    }
    return report
  }

  private func openedStore() throws -> (any RunStore)? {
    if !storeOpened {
      store = try openStore()
      storeOpened = true
    }
    return store
  }

  /// The variant's writer, begun when first asked for (nil without a store, or once the
  /// store failed it).
  private func writer(_ variant: Int) throws -> (any RunWriter)? {
    if let writer = writers[variant] { return writer }
    guard !notStored.contains(infos[variant].id), let store = try openedStore() else {
      return nil
    }
    do {
      let writer = try store.writer(for: infos[variant])
      writers[variant] = writer
      return writer
    } catch {
      notStored.append(infos[variant].id)
      storeError = error
      return nil
    }
  }

  /// A store and its runs' writers on their way to the task that finishes them, which drops
  /// them once done.
  private final class HeldStore: @unchecked Sendable {
    // @unchecked: used by the saving task alone once handed to it.
    private var store: (any RunStore)?
    private(set) var finishing: [(head: RunResults, writer: any RunWriter)]

    init(store: (any RunStore)?, finishing: [(head: RunResults, writer: any RunWriter)]) {
      self.store = store
      self.finishing = finishing
    }

    func release() {
      finishing = []
      store = nil
    }
  }

  private func dropWriter(_ variant: Int, _ error: any Error) {
    writers[variant]?.abandon()
    writers[variant] = nil
    notStored.append(infos[variant].id)
    storeError = error
  }
}
