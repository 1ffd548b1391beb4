import RefoldCore
import RefoldShared
import Synchronization

/// A run store in memory, for tests and for evaluations that keep no history.
///
/// Like the SQLite store it replaces nothing, and lists a suite's runs oldest first (by
/// start time, then by the order they were saved).
public final class InMemoryRunStore: RunStore {
  private let stored = Mutex<[RunResults]>([])

  public init(_ runs: [RunResults] = []) { stored.withLock { $0 = runs } }

  /// Stores `results`.
  ///
  /// - Throws: ``RefoldTestingError/runExists(_:)`` when its id is taken.
  public func save(_ results: RunResults) throws {
    try stored.withLock { runs throws(RefoldTestingError) in
      guard !runs.contains(where: { $0.run.id == results.run.id }) else {
        throw .runExists(results.run.id)
      }
      runs.append(results)
    }
  }

  public func run(id: String) throws -> RunResults? {
    stored.withLock { runs in runs.first { $0.run.id == id } }
  }

  public func runs(suite: String) throws -> [RunRecord] {
    let runs = stored.withLock { runs in runs.filter { $0.run.suite == suite } }
    return runs.enumerated()
      .sorted { ($0.element.run.startedAt, $0.offset) < ($1.element.run.startedAt, $1.offset) }
      .map {
        RunRecord(
          info: $0.element.run, summary: $0.element.summary, verdict: $0.element.gate?.verdict)
      }
  }

  /// Every stored run, in the order saved.
  public var all: [RunResults] { stored.withLock { $0 } }
}
