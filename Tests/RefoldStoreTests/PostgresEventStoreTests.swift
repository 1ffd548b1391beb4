import Foundation
import RefoldCore
import RefoldPostgres
import RefoldShared
import RefoldTestSupport
import Testing

/// What only the PostgreSQL store has: a server to reach, migrations on a shared database,
/// and writers on separate connections racing for the same thread.
@Suite struct PostgresEventStoreTests {
  static let serverStarted = PostgresTestServer.shared != nil
  static let skipped = Comment(rawValue: PostgresTestServer.skipMessage)

  @Test func anUnreachableServerIsTheEnvironment() throws {
    // Nothing listens on port 1; the connection is refused at once.
    let url = "host=127.0.0.1 port=1 user=refold dbname=refold connect_timeout=5"
    let error = try #require(throws: PostgresError.self) { try PostgresEventStore(url: url) }
    #expect(error.exitStatus == .environment)
    #expect(error.description.hasPrefix("cannot reach the PostgreSQL server at 127.0.0.1:1: "))
    #expect(!error.description.contains("\n"))
  }

  @Test(.enabled(if: serverStarted, skipped)) func migrationsRunOnceAndAreRecorded() throws {
    let url = try PostgresTestServer.freshSchema()
    let first = try PostgresEventStore(url: url)
    try first.append([EventLine(thread: "a", type: "user_input", data: ["text": "hi"])])
    // A second opener (another process, another host) finds the schema in place.
    let second = try PostgresEventStore(url: url)
    #expect(try second.events(in: "a").count == 1)
    let versions = try second.connection.withLock {
      try second.connection.query("SELECT version FROM refold_schema ORDER BY version").rows
    }
    #expect(versions == (1...PostgresMigrations.latestVersion).map { [String($0)] })
  }

  @Test(.enabled(if: serverStarted, skipped)) func valuesNeverBecomeSQL() throws {
    let store = try PostgresTestServer.freshEventStore()
    let thread = "a'); DROP TABLE events; --"
    try store.append([
      EventLine(thread: thread, type: "user_input", data: ["text": "$1 ' \" \\ \u{0} ✓"])
    ])
    let events = try store.events(in: thread)
    #expect(events.map(\.data) == [["text": "$1 ' \" \\ \u{0} ✓"]])
    #expect(try store.threads().map(\.thread) == [thread])
  }

  @Test(.enabled(if: serverStarted, skipped)) func racingExpectedSeqHasOneWinner() throws {
    let url = try PostgresTestServer.freshSchema()
    let writers = try (0..<4).map { _ in try PostgresEventStore(url: url) }
    try writers[0].append([EventLine(thread: "t", type: "user_input", data: ["text": "go"])])
    for round in 1...10 {
      let outcomes = Outcomes()
      DispatchQueue.concurrentPerform(iterations: writers.count) { index in
        do {
          try writers[index].append(
            [EventLine(thread: "t", type: "note", data: ["writer": .int(Int64(index))])],
            to: "t", expectedNextSeq: round)
          outcomes.add("won")
        } catch EventStoreError.versionConflict(let thread, let expected, let actual)
          where thread == "t" && expected == round && actual == round + 1
        {
          outcomes.add("conflict")
        } catch {
          outcomes.add("\(error)")
        }
      }
      #expect(outcomes.sorted == ["conflict", "conflict", "conflict", "won"])
    }
    #expect(try writers[1].events(in: "t").map(\.seq) == Array(0...10))
  }

  @Test(.enabled(if: serverStarted, skipped)) func racingAppendsLeaveNoGapOrDuplicate() throws {
    let url = try PostgresTestServer.freshSchema()
    let writers = try (0..<4).map { _ in try PostgresEventStore(url: url) }
    let failures = Outcomes()
    DispatchQueue.concurrentPerform(iterations: writers.count) { index in
      for step in 0..<25 {
        do {
          // Every line twice: the retry a proxy makes after a lost answer is skipped.
          let line = EventLine(
            thread: "t", type: "note", data: ["step": .int(Int64(step))],
            id: "w\(index)-\(step)")
          try writers[index].append([line])
          if try writers[index].append([line]).skipped != 1 { failures.add("not skipped") }
        } catch {
          failures.add("\(error)")
        }
      }
    }
    #expect(failures.sorted.isEmpty)
    let events = try writers[0].events(in: "t")
    #expect(events.map(\.seq) == Array(0..<100))
    #expect(Set(events.compactMap(\.id)).count == 100)
    #expect(try writers[0].threads().map(\.eventCount) == [100])
  }

  /// Thread lists and full exports read 100 threads at a time; empty threads (a fork at 0)
  /// and threads beyond the first page are all there, in order.
  @Test(.enabled(if: serverStarted, skipped)) func readsPageThroughManyThreads() throws {
    let store = try PostgresTestServer.freshEventStore()
    let names = (0..<250).map { String(format: "t%03d", $0) }
    try store.append(
      names.flatMap { name in
        [
          EventLine(thread: name, type: "user_input", data: ["text": .string(name)]),
          EventLine(thread: name, type: "done_for_now", data: ["message": "ok"]),
        ]
      })
    try store.fork("t100", at: 0, as: "t100-empty")
    let summaries = try store.threads()
    #expect(summaries.map(\.thread) == (names + ["t100-empty"]).sorted())
    #expect(summaries.map(\.eventCount).reduce(0, +) == 500)
    #expect(summaries.first { $0.thread == "t100-empty" }?.eventCount == 0)
    var events: [Event] = []
    try store.forEachEvent { events.append($0) }
    #expect(events.count == 500)
    #expect(events.map(\.thread) == names.flatMap { [$0, $0] })
  }
}

/// Outcomes collected from concurrent writers.
final class Outcomes: @unchecked Sendable {
  private let lock = NSLock()
  private var values: [String] = []

  func add(_ value: String) {
    lock.lock()
    values.append(value)
    lock.unlock()
  }

  var sorted: [String] {
    lock.lock()
    defer { lock.unlock() }
    return values.sorted()
  }
}
