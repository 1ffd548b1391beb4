import Foundation
import RefoldCore
import RefoldPostgres
import RefoldShared
import RefoldStore
import RefoldTestSupport
import Testing

/// The engines a streaming import and export run on.
enum DurableKind: String, CaseIterable, CustomTestStringConvertible, Sendable {
  case sqlite
  case postgres

  var testDescription: String { rawValue }

  static var available: [DurableKind] {
    allCases.filter { $0 != .postgres || PostgresTestServer.shared != nil }
  }

  /// A new empty store (an SQLite file in `directory`, or a fresh PostgreSQL schema).
  func make(in directory: TemporaryDirectory) throws -> any StreamingEventStore {
    switch self {
    case .sqlite: return try SQLiteEventStore(path: directory.path("refold.sqlite"))
    case .postgres: return try PostgresTestServer.freshEventStore()
    }
  }
}

@Suite struct ImportExportTests {
  func total(_ store: any StreamingEventStore) throws -> Int {
    try store.threads().reduce(0) { $0 + $1.eventCount }
  }

  /// Canonical JSONL for a small thread, written through `Event.jsonLine`.
  func canonicalLines(_ thread: String) -> [String] {
    [
      Event(
        thread: thread, seq: 0, type: "slack_message",
        data: ["from": "@alex", "channel": "#deploys", "text": "ship \"latest\"\nbackend ✓"],
        at: "2026-11-20T10:00:00Z", id: "\(thread)-m0"),
      Event(thread: thread, seq: 1, type: "list_git_tags", meta: ["exchange": "sha256:ab"]),
      Event(
        thread: thread, seq: 2, type: "list_git_tags_result",
        data: ["tags": ["v1.4.2", "v1.4.1"], "took": 0.125, "count": 2]),
      Event(
        thread: thread, seq: 3, type: "done_for_now", data: ["message": "latest is v1.4.2"],
        at: "2026-11-20T10:00:03.5+01:00"),
    ].map(\.jsonLine)
  }

  @Test(arguments: DurableKind.available)
  func importThenExportIsByteStable(kind: DurableKind) throws {
    let directory = try TemporaryDirectory()
    let text = (canonicalLines("t-one") + canonicalLines("t-two")).map { $0 + "\n" }.joined()
    let file = try directory.write("in.jsonl", text)
    let store = try kind.make(in: directory)
    let summary = try EventImporter(store: store).importFiles([file])
    #expect(summary.written == 8)
    #expect(summary.threads == 2)
    var exported: [UInt8] = []
    try EventExporter(store: store).export(["t-one", "t-two"]) { exported += $0 }
    #expect(String(decoding: exported, as: UTF8.self) == text)
    let out = directory.path("out.jsonl")
    try EventExporter(store: store).export(["t-one", "t-two"], toFile: out)
    #expect(try String(contentsOfFile: out, encoding: .utf8) == text)
    // Re-importing events with ids skips them.
    let second = try EventImporter(store: store).importFiles([
      directory.write(
        "ids.jsonl",
        canonicalLines("t-one")[0] + "\n")
    ])
    #expect(second.written == 0)
    #expect(second.skipped == 1)
  }

  /// More lines than one batch of rows, some with ids, some seq'd: written once, then
  /// skipped on a second import, and exported byte for byte.
  @Test(arguments: DurableKind.available)
  func aLargeImportCrossesBatchesAndReimportsAsSkipped(kind: DurableKind) throws {
    let directory = try TemporaryDirectory()
    var text = ""
    for index in 0..<25_000 {
      let thread = "t\(index % 30)"
      let event = Event(
        thread: thread, seq: index / 30, type: index % 7 == 0 ? "user_input" : "note",
        data: ["text": .string("line \(index)\twith a tab \\ and ✓"), "n": .int(Int64(index))],
        at: index % 3 == 0 ? "2026-11-20T10:00:00Z" : nil,
        id: index % 10 == 0 ? "e\(index)" : nil)
      text += event.jsonLine + "\n"
    }
    let file = try directory.write("big.jsonl", text)
    let store = try kind.make(in: directory)
    let first = try EventImporter(store: store).importFiles([file])
    #expect(first.written == 25_000)
    #expect(first.threads == 30)
    let second = try EventImporter(store: store).importFiles([file])
    #expect(second.written == 0)
    #expect(second.skipped == 25_000)
    var exported: [UInt8] = []
    try EventExporter(store: store).exportAll { exported += $0 }
    let keyed = text.split(separator: "\n").enumerated().map { index, line in
      (thread: "t\(index % 30)", seq: index / 30, line: line)
    }
    let sorted = keyed.sorted { ($0.thread, $0.seq) < ($1.thread, $1.seq) }.map(\.line)
    #expect(String(decoding: exported, as: UTF8.self) == sorted.joined(separator: "\n") + "\n")
    #expect(try store.threads().map(\.eventCount).reduce(0, +) == 25_000)
  }

  @Test(arguments: DurableKind.available)
  func nonCanonicalInputExportsCanonically(kind: DurableKind) throws {
    let directory = try TemporaryDirectory()
    let file = try directory.write(
      "in.jsonl",
      "\r\n  {\"type\":\"user_input\", \"data\": {\"b\": 2.0, \"a\": [1, 1e2]},"
        + " \"thread\":\"x\"}\r\n"
        + "\n{\"thread\":\"x\",\"type\":\"done_for_now\",\"data\":{}}")
    let store = try kind.make(in: directory)
    #expect(try EventImporter(store: store).importFiles([file]).written == 2)
    var exported: [UInt8] = []
    try EventExporter(store: store).export(["x"]) { exported += $0 }
    #expect(
      String(decoding: exported, as: UTF8.self)
        == #"{"thread":"x","seq":0,"type":"user_input","data":{"a":[1,100],"b":2}}"# + "\n"
        + #"{"thread":"x","seq":1,"type":"done_for_now","data":{}}"# + "\n")
  }

  @Test(arguments: DurableKind.available)
  func anInvalidLineNamesFileAndLineAndWritesNothing(kind: DurableKind) throws {
    let directory = try TemporaryDirectory()
    let store = try kind.make(in: directory)
    try EventImporter(store: store).importFiles([
      directory.write("existing.jsonl", canonicalLines("kept").joined(separator: "\n"))
    ])
    let before = try total(store)
    #expect(before == 4)
    let good = try directory.write("good.jsonl", canonicalLines("new").joined(separator: "\n"))
    let bad = try directory.write(
      "bad.jsonl",
      """
      {"thread":"new2","type":"user_input","data":{}}

      {"thread":"new2","data":{}}
      {"thread":"new2","type":"user_input","data":{},"sqe":3}
      """)
    #expect(
      throws: StoreError.invalidLines([
        .init(file: bad, line: 3, reason: "missing field \"type\""),
        .init(file: bad, line: 4, reason: "unknown field \"sqe\""),
      ])
    ) {
      try EventImporter(store: store).importFiles([good, bad])
    }
    #expect(try total(store) == before)
    #expect(try store.threads().map(\.thread) == ["kept"])
  }

  @Test(arguments: DurableKind.available)
  func aConflictInTheLastFileRollsBackEveryFile(kind: DurableKind) throws {
    let directory = try TemporaryDirectory()
    let store = try kind.make(in: directory)
    try store.append([EventLine(thread: "old", type: "user_input")])
    let first = try directory.write("first.jsonl", canonicalLines("new").joined(separator: "\n"))
    let second = try directory.write(
      "second.jsonl",
      """
      {"thread":"old","type":"note","data":{}}
      {"thread":"old","seq":1,"type":"note","data":{"text":"another"}}
      """)
    // A different event at a taken seq (an identical one would be skipped as a re-import).
    #expect(
      throws: StoreError.rejectedLine(
        file: second, line: 2,
        reason: .versionConflict(thread: "old", expected: 1, actual: 2))
    ) {
      try EventImporter(store: store).importFiles([first, second])
    }
    #expect(try total(store) == 1)
    #expect(try store.events(in: "new").isEmpty)
  }

  @Test(arguments: DurableKind.available)
  func invalidLinesAreReportedEvenAfterAConflict(kind: DurableKind) throws {
    let directory = try TemporaryDirectory()
    let store = try kind.make(in: directory)
    let file = try directory.write(
      "mixed.jsonl",
      """
      {"thread":"a","seq":4,"type":"note","data":{}}
      {"thread":"a","type":"note","data":{}}
      {"thread":"a","type":"note","data":[1,]}
      """)
    #expect(throws: StoreError.self) { try EventImporter(store: store).importFiles([file]) }
    do {
      _ = try EventImporter(store: store).importFiles([file])
    } catch StoreError.invalidLines(let problems) {
      #expect(problems.map(\.line) == [3])
    } catch {
      Issue.record("expected invalid lines, got \(error)")
    }
    #expect(try total(store) == 0)
  }

  @Test func missingFileIsAFileError() throws {
    let directory = try TemporaryDirectory()
    let store = try SQLiteEventStore(path: ":memory:")
    let path = directory.path("absent.jsonl")
    #expect(throws: StoreError.file(path: path, reason: "No such file or directory")) {
      try EventImporter(store: store).importFiles([path])
    }
  }

  @Test(arguments: DurableKind.available)
  func exportToAFileNeverLeavesHalfAFile(kind: DurableKind) throws {
    let directory = try TemporaryDirectory()
    let store = try kind.make(in: directory)
    try store.append([EventLine(thread: "a", type: "user_input")])
    let out = directory.path("out.jsonl")
    try Data("previous\n".utf8).write(to: URL(fileURLWithPath: out))
    #expect(throws: EventStoreError.unknownThread("missing")) {
      try EventExporter(store: store).export(["a", "missing"], toFile: out)
    }
    #expect(try String(contentsOfFile: out, encoding: .utf8) == "previous\n")
    #expect(
      try FileManager.default.contentsOfDirectory(atPath: directory.url.path).sorted()
        .filter { $0.hasSuffix(".tmp") }.isEmpty)
  }
}

@Suite struct JSONLReaderTests {
  func lines(_ text: String, chunkSize: Int) throws -> [(Int, String)] {
    let directory = try TemporaryDirectory()
    let path = try directory.write("lines.jsonl", text)
    var result: [(Int, String)] = []
    try JSONLReader(path: path, chunkSize: chunkSize).forEachLine { number, bytes in
      result.append((number, String(decoding: bytes, as: UTF8.self)))
    }
    return result
  }

  @Test(arguments: [16, 17, 64, 1 << 16])
  func splitsLinesAcrossChunks(chunkSize: Int) throws {
    let long = String(repeating: "x", count: 100)
    let text = "first\r\n\n  \r\n\(long)\nsecond-to-last\r\nlast without newline"
    let read = try lines(text, chunkSize: chunkSize)
    #expect(read.map(\.0) == [1, 4, 5, 6])
    #expect(read.map(\.1) == ["first", long, "second-to-last", "last without newline"])
  }

  @Test func emptyFileHasNoLines() throws {
    #expect(try lines("", chunkSize: 16).isEmpty)
    #expect(try lines("\n\n", chunkSize: 16).isEmpty)
  }
}
