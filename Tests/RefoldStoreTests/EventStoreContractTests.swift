import Foundation
import RefoldCore
import RefoldPostgres
import RefoldShared
import RefoldStore
import RefoldTestSupport
import Testing

/// Every ``EventStore`` implementation, made fresh for one test.
enum StoreKind: String, CaseIterable, CustomTestStringConvertible, Sendable {
  case inMemory
  case sqliteFile
  case sqliteMemory
  case postgres

  var testDescription: String { rawValue }

  /// The kinds this machine can run: PostgreSQL only when a server could be started
  /// (``PostgresContractTests`` says so with a message when not).
  static var available: [StoreKind] {
    allCases.filter { $0 != .postgres || PostgresTestServer.shared != nil }
  }

  /// A new empty store, and the directory that must outlive it.
  func make() throws -> (store: any EventStore, directory: TemporaryDirectory?) {
    switch self {
    case .inMemory:
      return (InMemoryEventStore(), nil)
    case .sqliteFile:
      let directory = try TemporaryDirectory()
      return (try SQLiteEventStore(path: directory.path("nested/dir/refold.sqlite")), directory)
    case .sqliteMemory:
      return (try SQLiteEventStore(path: ":memory:"), nil)
    case .postgres:
      return (try PostgresTestServer.freshEventStore(), nil)
    }
  }
}

/// The `EventStore` contract, run against every implementation.
@Suite struct EventStoreContractTests {
  func line(
    _ thread: String, _ type: String, _ data: JSONValue = [:], seq: Int? = nil,
    id: String? = nil, at: String? = nil, meta: JSONValue? = nil
  ) -> EventLine {
    EventLine(thread: thread, seq: seq, type: type, data: data, at: at, id: id, meta: meta)
  }

  @Test(arguments: StoreKind.available)
  func appendAssignsSeqsAndReadsBack(kind: StoreKind) throws {
    let (store, directory) = try kind.make()
    defer { withExtendedLifetime(directory) {} }
    let result = try store.append([
      line(
        "a", "slack_message", ["from": "@alex", "text": "ship it ✓"], at: "2026-11-20T10:00:00Z"),
      line("b", "user_input", ["text": "hi"]),
      line("a", "list_git_tags"),
      line("a", "list_git_tags_result", ["tags": ["v1.4.0"], "ratio": 2.5, "n": nil]),
    ])
    #expect(result.skipped == 0)
    #expect(result.written.map(\.seq) == [0, 0, 1, 2])
    let events = try store.events(in: "a")
    #expect(events == result.written.filter { $0.thread == "a" })
    #expect(events.map(\.type) == ["slack_message", "list_git_tags", "list_git_tags_result"])
    #expect(events[2].data == ["tags": ["v1.4.0"], "ratio": 2.5, "n": nil])
    #expect(events[0].at == "2026-11-20T10:00:00Z")
    #expect(try store.events(in: "b").count == 1)
    #expect(try store.events(in: "missing").isEmpty)
  }

  @Test(arguments: StoreKind.available)
  func idsMakeAppendsIdempotent(kind: StoreKind) throws {
    let (store, directory) = try kind.make()
    defer { withExtendedLifetime(directory) {} }
    let first = line("a", "slack_message", ["text": "go"], id: "m1", meta: ["source": "slack"])
    try store.append([first, line("a", "list_git_tags", id: "m2")])
    let again = try store.append([first, line("a", "list_git_tags", id: "m2")])
    #expect(again.written.isEmpty)
    #expect(again.skipped == 2)
    let mixed = try store.append([first, line("a", "list_git_tags_result", ["tags": []], id: "m3")])
    #expect(mixed.skipped == 1)
    #expect(mixed.written.map(\.seq) == [2])
    #expect(try store.events(in: "a").count == 3)
    // The same id in another thread is another event.
    #expect(try store.append([line("b", "slack_message", ["text": "go"], id: "m1")]).skipped == 0)
  }

  @Test(arguments: StoreKind.available)
  func sameIDWithDifferentContentIsAConflict(kind: StoreKind) throws {
    let (store, directory) = try kind.make()
    defer { withExtendedLifetime(directory) {} }
    try store.append([line("a", "slack_message", ["text": "go"], id: "m1")])
    #expect(throws: EventStoreError.idConflict(thread: "a", id: "m1")) {
      try store.append([
        line("a", "list_git_tags"), line("a", "slack_message", ["text": "stop"], id: "m1"),
      ])
    }
    #expect(throws: EventStoreError.idConflict(thread: "a", id: "m1")) {
      try store.append([line("a", "slack_message", ["text": "go"], id: "m1", meta: ["x": 1])])
    }
    #expect(try store.events(in: "a").count == 1)
  }

  @Test(arguments: StoreKind.available)
  func givenSeqIsChecked(kind: StoreKind) throws {
    let (store, directory) = try kind.make()
    defer { withExtendedLifetime(directory) {} }
    try store.append([line("a", "slack_message", seq: 0), line("a", "list_git_tags", seq: 1)])
    #expect(throws: EventStoreError.versionConflict(thread: "a", expected: 5, actual: 2)) {
      try store.append([line("a", "list_git_tags_result", seq: 5)])
    }
    #expect(throws: EventStoreError.versionConflict(thread: "a", expected: 1, actual: 2)) {
      try store.append([line("a", "list_git_tags_result", seq: 1)])
    }
    #expect(try store.append([line("a", "list_git_tags_result", seq: 2)]).written.count == 1)
  }

  @Test(arguments: StoreKind.available)
  func idlessDuplicatesAtTheirSeqAreSkipped(kind: StoreKind) throws {
    let (store, directory) = try kind.make()
    defer { withExtendedLifetime(directory) {} }
    let lines = [
      line("a", "slack_message", ["text": "go"], seq: 0, id: "m1"),
      line("a", "list_git_tags", seq: 1, at: "2026-11-20T10:00:00Z"),
      line("a", "list_git_tags_result", ["tags": ["v1"]], seq: 2, meta: ["source": "tool"]),
    ]
    try store.append(lines)
    let again = try store.append(lines + [line("a", "deploy_backend", seq: 3)])
    #expect(again.skipped == 3)
    #expect(again.written.map(\.seq) == [3])
    // A different event at a taken seq is still a conflict, whatever differs.
    for changed in [
      line("a", "list_git_tags", seq: 1),
      line("a", "list_git_tags_result", ["tags": ["v2"]], seq: 2, meta: ["source": "tool"]),
      line("a", "list_git_tags_result", ["tags": ["v1"]], seq: 2),
      line("a", "deploy_backend", seq: 1, at: "2026-11-20T10:00:00Z"),
    ] {
      #expect(
        throws: EventStoreError.versionConflict(thread: "a", expected: changed.seq!, actual: 4)
      ) {
        try store.append([changed])
      }
    }
    // An id-less line at the seq of an event stored with an id is not that event.
    #expect(throws: EventStoreError.versionConflict(thread: "a", expected: 0, actual: 4)) {
      try store.append([line("a", "slack_message", ["text": "go"], seq: 0)])
    }
    #expect(try store.events(in: "a").count == 4)
  }

  @Test(arguments: StoreKind.available)
  func aBadLineInTheMiddleWritesNothing(kind: StoreKind) throws {
    let (store, directory) = try kind.make()
    defer { withExtendedLifetime(directory) {} }
    try store.append([line("a", "slack_message")])
    let before = try store.threads()
    #expect(throws: EventStoreError.versionConflict(thread: "b", expected: 3, actual: 0)) {
      try store.append([
        line("a", "list_git_tags"), line("c", "user_input"), line("b", "user_input", seq: 3),
        line("a", "list_git_tags_result"),
      ])
    }
    #expect(try store.threads() == before)
    #expect(try store.events(in: "a").count == 1)
    #expect(try store.events(in: "c").isEmpty)
  }

  @Test(arguments: StoreKind.available)
  func expectedNextSeqDetectsAStaleWriter(kind: StoreKind) throws {
    let (store, directory) = try kind.make()
    defer { withExtendedLifetime(directory) {} }
    let written = try store.append(
      [line("elsewhere", "slack_message"), line("elsewhere", "list_git_tags")], to: "a",
      expectedNextSeq: 0)
    #expect(written.map(\.thread) == ["a", "a"])
    #expect(written.map(\.seq) == [0, 1])
    #expect(throws: EventStoreError.versionConflict(thread: "a", expected: 0, actual: 2)) {
      try store.append([line("a", "error", ["message": "late"])], to: "a", expectedNextSeq: 0)
    }
    #expect(throws: EventStoreError.versionConflict(thread: "new", expected: 1, actual: 0)) {
      try store.append([line("new", "user_input")], to: "new", expectedNextSeq: 1)
    }
    #expect(
      try store.append([line("a", "list_git_tags_result")], to: "a", expectedNextSeq: 2)
        .map(\.seq) == [2])
    #expect(try store.events(in: "elsewhere").isEmpty)
  }

  @Test(arguments: StoreKind.available)
  func forkCopiesAPrefix(kind: StoreKind) throws {
    let (store, directory) = try kind.make()
    defer { withExtendedLifetime(directory) {} }
    try store.append([
      line("a", "slack_message", at: "2026-11-20T10:00:00Z", meta: ["k": "v"]),
      line("a", "list_git_tags", id: "x"), line("a", "list_git_tags_result", ["tags": []]),
    ])
    let forked = try store.fork("a", at: 2, as: "b")
    #expect(forked.map(\.thread) == ["b", "b"])
    #expect(forked.map(\.type) == ["slack_message", "list_git_tags"])
    #expect(forked[0].meta == ["k": "v"])
    #expect(forked[1].id == "x")
    #expect(try store.events(in: "b") == forked)
    #expect(
      try store.append([line("b", "done_for_now", ["message": "ok"], seq: 2)]).written
        .count == 1)
    #expect(try store.events(in: "a").count == 3)
    #expect(throws: EventStoreError.unknownThread("nope")) {
      try store.fork("nope", at: 0, as: "c")
    }
    #expect(throws: EventStoreError.threadExists("b")) { try store.fork("a", at: 1, as: "b") }
    #expect(throws: EventStoreError.invalidFork(thread: "a", count: 4, available: 3)) {
      try store.fork("a", at: 4, as: "c")
    }
    #expect(try store.fork("a", at: 0, as: "empty").isEmpty)
    #expect(try store.threads().map(\.thread) == ["a", "b", "empty"])
  }

  @Test(arguments: StoreKind.available)
  func threadsFoldTheirStatus(kind: StoreKind) throws {
    let (store, directory) = try kind.make()
    defer { withExtendedLifetime(directory) {} }
    try store.append([
      line("z-done", "slack_message", ["text": "deploy"], at: "2026-11-20T10:00:00Z"),
      line("z-done", "list_git_tags"),
      line("z-done", "list_git_tags_result", ["tags": ["v1"]], at: "2026-11-20T10:00:02Z"),
      line("z-done", "done_for_now", ["message": "v1 is latest"]),
      line("a-human", "slack_message", ["text": "deploy"]),
      line("a-human", "request_clarification", ["question": "which env?"]),
      line("m-escalated", "user_input", ["text": "go"]),
      line(
        "m-escalated", "request_human_input", ["question": "help"],
        meta: ["escalation": true]),
    ])
    let summaries = try store.threads()
    #expect(summaries.map(\.thread) == ["a-human", "m-escalated", "z-done"])
    #expect(summaries.map(\.state.status) == [.awaitingHuman, .escalated, .done])
    #expect(summaries.map(\.eventCount) == [2, 2, 4])
    #expect(summaries.map(\.state.steps) == [1, 1, 2])
    #expect(summaries[2].lastType == "done_for_now")
    #expect(summaries[2].lastAt == "2026-11-20T10:00:02Z")
    #expect(summaries[0].lastAt == nil)
    #expect(summaries.allSatisfy { $0.state.isSound })
  }
}
