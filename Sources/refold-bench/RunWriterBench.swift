import Foundation
import RefoldPostgres
import RefoldShared
import RefoldStore

/// The run store's own figures: one run (read from a `results.json`, such as the one
/// `refold-bench eval --keep DIR` leaves) stored into a new store, whole by `save` or
/// streamed thread by thread through the store's writer, as `refold eval` stores it.
///
/// Prints the wall and CPU time of storing alone (the run is read and split first), the bytes
/// the store holds after it, and where the writer's time went: waiting in `add`, and `finish`.
enum RunWriterBench {
  /// How the run is stored.
  enum Mode: String {
    case save
    case stream
  }

  /// Stores the run `times` times (ids `<id>-1`, `<id>-2`, …) into one new store; streamed,
  /// each run is `copies` copies of the file's threads (thread and case ids suffixed `~k`,
  /// made as they are added), for a run larger than the file.
  static func measure(results path: String, mode: Mode, db: String?, times: Int, copies: Int)
    throws
  {
    let data = try Data(contentsOf: URL(fileURLWithPath: path))
    let read = try JSONDecoder().decode(RunResults.self, from: data)
    let threads = ThreadCases.split(read)
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "refold-bench-store-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let target = try StoreBench.Target.make(db: db, directory: directory)
    defer { target.cleanUp() }
    let store = try target.runStore()
    let kept = threads.filter { !$0.events.isEmpty }.count
    print(
      "store: \(format(Double(read.cases.count))) cases, \(format(Double(threads.count))) "
        + "threads (\(format(Double(kept))) with events) from \(path); peak RSS before storing "
        + "\(String(format: "%.1f", peakRSS())) MiB")
    for time in 1...max(1, times) {
      var results = read
      results.run.id = "\(read.run.id)-\(time)"
      try storeOnce(
        results, threads: threads, copies: mode == .stream ? max(1, copies) : 1, mode: mode,
        into: store, target: target)
    }
  }

  private static func storeOnce(
    _ results: RunResults, threads: [ThreadCases], copies: Int, mode: Mode,
    into store: any RunStore, target: StoreBench.Target
  ) throws {
    let start = now()
    let startCPU = cpuSeconds()
    var adding = 0.0
    var finishing = 0.0
    switch mode {
    case .save:
      try store.save(results)
    case .stream:
      let writer = try store.writer(for: results.run)
      for copy in 0..<copies {
        for thread in threads { try writer.add(copy == 0 ? thread : renamed(thread, copy)) }
      }
      adding = now() - start
      let finishStart = now()
      try writer.finish(results)
      finishing = now() - finishStart
    }
    let elapsed = now() - start
    let cpu = cpuSeconds() - startCPU
    // What the store holds once its write-ahead log is folded back (not timed).
    if !target.isPostgres {
      try RefoldDatabase(path: target.location).withConnection {
        try $0.execute("PRAGMA wal_checkpoint(TRUNCATE)")
      }
    }
    let bytes =
      target.isPostgres
      ? 0
      : EndToEndEval.fileSize(target.location) + EndToEndEval.fileSize(target.location + "-wal")
    let stages =
      mode == .stream
      ? String(format: " (add %.3f s, finish %.3f s)", adding, finishing) : ""
    print(
      "store: \(mode.rawValue) into \(target.isPostgres ? "PostgreSQL" : "SQLite") in "
        + "\(String(format: "%.3f", elapsed)) s wall\(stages), "
        + "\(String(format: "%.3f", cpu)) s CPU; "
        + (target.isPostgres ? "" : "store \(EndToEndEval.megabytes(bytes)); ")
        + "peak RSS \(String(format: "%.1f", peakRSS())) MiB")
    let back = try store.run(id: results.run.id)
    if back?.cases.count != results.cases.count * copies {
      print(
        "store: the run read back has \(back?.cases.count ?? 0) cases, not "
          + "\(results.cases.count * copies)")
      exit(1)
    }
  }

  /// Copy `copy` of a thread: its id, its events' thread and its cases' ids suffixed `~copy`.
  private static func renamed(_ thread: ThreadCases, _ copy: Int) -> ThreadCases {
    let name = "\(thread.thread)~\(copy)"
    var renamed = ThreadCases(thread: name, events: thread.events, cases: thread.cases)
    for index in renamed.events.indices { renamed.events[index].thread = name }
    for index in renamed.cases.indices {
      renamed.cases[index].thread = name
      renamed.cases[index].id += "~\(copy)"
    }
    return renamed
  }
}

extension StoreBench.Target {
  func runStore() throws -> any RunStore {
    isPostgres ? try PostgresRunStore(url: location) : try SQLiteRunStore(path: location)
  }
}
