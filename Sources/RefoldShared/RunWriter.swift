import RefoldCore

/// Stores one run as an evaluation produces it: its threads and cases as they finish, then
/// its head (info, summary, gate) once the run is done.
///
/// Until ``finish(_:)`` returns the run is not in the store: ``RunStore/runs(suite:)`` and
/// ``RunStore/run(id:)`` do not see it, and ``abandon()`` (or a process that dies) leaves
/// nothing a reader can find. A writer is used by one task at a time.
public protocol RunWriter: AnyObject, Sendable {
  /// Stores a thread's cases and, when the run keeps them, its golden events.
  func add(_ thread: ThreadCases) throws
  /// Stores the run's head and makes the run visible.
  ///
  /// `head.cases` and `head.threads` are ignored: the run's cases are those added.
  /// - Throws: the store's run-exists error when a run with this id was stored meanwhile.
  func finish(_ head: RunResults) throws
  /// Drops what was added; the store is as it was before the writer began.
  func abandon()
}

extension RunStore {
  /// A writer that keeps the run in memory and saves it whole when it finishes: for stores
  /// without a streaming writer of their own.
  public func writer(for run: RunInfo) throws -> any RunWriter {
    BufferedRunWriter(store: self)
  }
}

/// A ``RunWriter`` that holds the run's threads until it finishes, then saves the run
/// whole with ``RunStore/save(_:)``.
public final class BufferedRunWriter: RunWriter, @unchecked Sendable {
  private let store: any RunStore
  private var threads: [ThreadCases] = []

  public init(store: any RunStore) {
    self.store = store
  }

  public func add(_ thread: ThreadCases) throws {
    threads.append(thread)
  }

  public func finish(_ head: RunResults) throws {
    var results = head
    results.cases = threads.flatMap(\.cases)
    let kept = threads.filter { !$0.events.isEmpty }
    if !kept.isEmpty {
      var map: [String: [Event]] = [:]
      for thread in kept { map[thread.thread] = thread.events }
      results.threads = map
    } else {
      results.threads = nil
    }
    threads = []
    try store.save(results)
  }

  public func abandon() {
    threads = []
  }
}
