import RefoldCore
import RefoldShared

/// Copies threads, cassette exchanges and runs from one store to another (SQLite or
/// PostgreSQL, either way): idempotent, and resumable after an interruption.
///
/// Threads are copied in batches of threads, each batch one transaction of the target, with
/// every event at its own `seq`: an event the target already holds (same `id` and content,
/// or the same id-less event at that `seq`) is skipped, so copying again writes nothing and
/// an interrupted copy resumes after its last committed batch. A target that holds a
/// different event at a `seq` stops the copy with the conflict. Each key's exchanges are
/// copied from the first `n` the target lacks, after checking that those it has are the
/// source's; a run is copied unless the target holds its id.
///
/// ```swift
/// let copied = try StoreCopier(source: sqlite, target: postgres).copy()
/// print(copied.events.written, copied.exchanges.written, copied.runs.written)
/// ```
struct StoreCopier {
  /// How many items of a kind were written and how many the target already held.
  struct Counts: Sendable, Hashable {
    var written = 0
    var skipped = 0
  }

  /// What a copy did.
  struct Summary: Sendable, Hashable {
    var threads = 0
    var events = Counts()
    var exchanges = Counts()
    var runs = Counts()
  }

  let source: OpenedStores
  let target: OpenedStores
  /// Events per target transaction (a batch ends after the thread that reaches it).
  var batchEvents = 50_000

  func copy() throws -> Summary {
    var summary = Summary()
    try copyThreads(into: &summary)
    try copyExchanges(into: &summary)
    try copyRuns(into: &summary)
    return summary
  }

  private func copyThreads(into summary: inout Summary) throws {
    let from = try source.eventStore()
    let to = try target.eventStore()
    var threads: [(name: String, count: Int)] = []
    try from.forEachThreadSummary { threads.append(($0.thread, $0.eventCount)) }
    summary.threads = threads.count
    var start = 0
    while start < threads.count {
      var end = start
      var events = 0
      while end < threads.count, end == start || events + threads[end].count <= batchEvents {
        events += threads[end].count
        end += 1
      }
      let batch = threads[start..<end].map(\.name)
      let counts = try to.appendStreamingCanonical { append in
        for thread in batch {
          try from.forEachEvent(in: thread) { event in
            _ = try append(
              EventLine(
                thread: event.thread, seq: event.seq, type: event.type, data: event.data,
                at: event.at, id: event.id, meta: event.meta), nil)
          }
        }
      }
      summary.events.written += counts.written
      summary.events.skipped += counts.skipped
      start = end
    }
  }

  private func copyExchanges(into summary: inout Summary) throws {
    let from = try source.cassetteStore()
    let to = try target.cassetteStore()
    // Key by key: one key's exchanges are held at a time, never the whole cassette.
    for key in try from.keys() {
      let wanted = try from.exchanges(forKey: key)
      let held = try to.exchanges(forKey: key)
      guard held.count <= wanted.count, zip(held, wanted).allSatisfy({ $0 == $1 }) else {
        throw CLIError(
          "the target's cassette holds other exchanges for key \(key) than the source's; "
            + "nothing more was copied")
      }
      for exchange in wanted.dropFirst(held.count) { try to.append(exchange) }
      summary.exchanges.written += wanted.count - held.count
      summary.exchanges.skipped += held.count
    }
  }

  private func copyRuns(into summary: inout Summary) throws {
    let from = try source.runStore()
    let to = try target.runStore()
    let held = Set(try target.allRuns().map(\.info.id))
    for record in try source.allRuns() {
      let id = record.info.id
      if held.contains(id) {
        summary.runs.skipped += 1
        continue
      }
      guard let run = try from.run(id: id) else { continue }
      try to.save(run)
      summary.runs.written += 1
    }
  }
}
