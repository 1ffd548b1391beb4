import Foundation
import RefoldCore
import RefoldPostgres
import RefoldShared
import RefoldStore

/// The store figures on either engine: `import --db URL` into a fresh PostgreSQL database,
/// and appends per second from several processes writing through the proxy's append path.
enum StoreBench {
  /// A store to measure: an SQLite file, or a fresh database on the server a URL names
  /// (created for the measurement and dropped after it).
  struct Target {
    /// What the stores are opened with: a path or a URL.
    var location: String
    /// Removes what the measurement created.
    var cleanUp: () -> Void

    var isPostgres: Bool {
      location.hasPrefix("postgresql://") || location.hasPrefix("postgres://")
    }

    static func make(db: String?, directory: URL) throws -> Target {
      guard let db, db.hasPrefix("postgresql://") || db.hasPrefix("postgres://") else {
        return Target(
          location: db ?? directory.appendingPathComponent("bench.sqlite").path, cleanUp: {})
      }
      guard var components = URLComponents(string: db) else {
        throw PostgresError.unreachable(host: "?", port: "?", reason: "\(db) is not a URL")
      }
      let name = "refold_bench_" + UUID().uuidString.lowercased().prefix(8)
      let admin = try PostgresConnection(url: db)
      try admin.withLock { _ = try admin.query("CREATE DATABASE \(name)") }
      components.path = "/" + name
      let location = components.string ?? db
      return Target(location: location) {
        try? admin.withLock { _ = try admin.query("DROP DATABASE IF EXISTS \(name) WITH (FORCE)") }
      }
    }

    func eventStore() throws -> any StreamingEventStore {
      isPostgres
        ? try PostgresEventStore(url: location) : try SQLiteEventStore(path: location)
    }

    func cassetteStore() throws -> any CassetteStore {
      isPostgres
        ? try PostgresCassetteStore(url: location) : try SQLiteCassetteStore(path: location)
    }
  }

  /// Runs `writers` child processes at once, each appending `count` model calls as the
  /// recording proxy stores them (an exchange, then the decision event with its id, without
  /// a `seq`) to threads the writers share, and checks that every thread ends without a gap
  /// or a duplicate.
  static func appends(db: String?, writers: Int, count: Int) throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "refold-bench-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let target = try Target.make(db: db, directory: directory)
    defer { target.cleanUp() }
    // The schema exists before the writers start, as it does for proxies of a running store.
    _ = try target.eventStore()
    _ = try target.cassetteStore()
    let executable = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
    let start = now()
    let children = try (0..<writers).map { writer in
      let process = Process()
      process.executableURL = URL(fileURLWithPath: executable)
      process.arguments = [
        "append-writer", "--db", target.location, "--writer", String(writer), "--count",
        String(count),
      ]
      try process.run()
      return process
    }
    var failed = 0
    for child in children {
      child.waitUntilExit()
      if child.terminationStatus != 0 { failed += 1 }
    }
    let elapsed = now() - start
    guard failed == 0 else {
      throw EventStoreError.storage("\(failed) of \(writers) writers failed")
    }
    let store = try target.eventStore()
    var total = 0
    var ids = Set<String>()
    for summary in try store.threads() {
      let events = try store.events(in: summary.thread)
      guard events.map(\.seq) == Array(0..<events.count) else {
        throw EventStoreError.storage("thread \(summary.thread) has a gap or a duplicate")
      }
      total += events.count
      ids.formUnion(events.compactMap(\.id))
    }
    guard total == writers * count, ids.count == total else {
      throw EventStoreError.storage(
        "stored \(total) events (\(ids.count) ids) of \(writers * count)")
    }
    let engine = target.isPostgres ? "PostgreSQL" : "SQLite"
    print(
      "appends (\(engine)): \(writers) processes × \(format(Double(count))) model calls "
        + "(an exchange and an event each) in \(String(format: "%.3f", elapsed)) s: "
        + "\(format(Double(total) / elapsed)) appends/s; 0 gaps, 0 duplicates")
  }

  /// One writer of ``appends(db:writers:count:)``.
  static func appendWriter(db: String, writer: Int, count: Int) throws {
    let target = Target(location: db, cleanUp: {})
    let events = try target.eventStore()
    let cassette = try target.cassetteStore()
    for index in 0..<count {
      let thread = "prod-\(index % 16)"
      let exchange = Exchange(
        key: "sha256:\(writer)-\(index % 50)", n: 0, provider: "openai",
        request: [
          "model": "m", "messages": [["role": "user", "content": .string("ship \(index)")]],
        ],
        response: ["choices": [["message": ["content": "ok"]]]], latencyMilliseconds: 120,
        recordedAt: "2026-11-20T10:00:00Z", thread: thread)
      let stored = try cassette.append(exchange)
      try events.append([
        EventLine(
          thread: thread, type: "list_git_tags", data: [:], id: "w\(writer)-\(index)",
          meta: ["exchange_key": .string(stored.key), "exchange_n": .int(Int64(stored.n))])
      ])
    }
  }
}
