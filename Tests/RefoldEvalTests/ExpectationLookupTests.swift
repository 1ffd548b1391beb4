import Foundation
import RefoldCore
import Testing

@testable import RefoldEval

/// The indexed expectation lookup and the byte-level fixture reader against the naive
/// versions they replaced, kept here as oracles.
@Suite struct ExpectationLookupTests {
  /// The lookup as it was: every entry's pattern matched, in file order.
  static func naiveForThread(_ expectations: Expectations, _ thread: String) -> ThreadExpectation {
    var merged = ThreadExpectation(thread: thread)
    for entry in expectations.entries where naiveMatches(pattern: entry.thread, thread) {
      merged.steps += entry.steps
      merged.faults += entry.faults
      merged.behaviour.merge(entry.behaviour)
      for (intent, matchers) in entry.intents {
        merged.intents[intent, default: [:]].merge(matchers) { _, later in later }
      }
    }
    return merged
  }

  /// The pattern match as it was, parsing the pattern on every call.
  static func naiveMatches(pattern: String, _ text: String) -> Bool {
    let parts = pattern.split(separator: "*", omittingEmptySubsequences: false).map(String.init)
    guard parts.count > 1 else { return pattern == text }
    var rest = Substring(text)
    guard let first = parts.first, rest.hasPrefix(first) else { return false }
    rest = rest.dropFirst(first.count)
    for (offset, part) in parts.enumerated().dropFirst() {
      if offset == parts.count - 1 { return part.isEmpty || rest.hasSuffix(part) }
      guard !part.isEmpty else { continue }
      guard let range = rest.range(of: part) else { return false }
      rest = rest[range.upperBound...]
    }
    return true
  }

  static let patterns = [
    "deploy-001", "deploy-*", "*", "*-001", "deploy-0011", "d*p*y-0*1", "rollback-*",
    "deploy-001", "**", "deploy-00*", "*1", "status-*-prod", "",
  ]
  static let names = [
    "deploy-001", "deploy-0011", "deploy-002", "rollback-001", "status-backend-prod",
    "status-prod", "", "d", "dpy-01", "deploy-",
  ]

  @Test func lookupEqualsTheScanOfEveryEntry() {
    var entries: [ThreadExpectation] = []
    for (position, pattern) in Self.patterns.enumerated() {
      entries.append(
        ThreadExpectation(
          thread: pattern,
          steps: [
            StepExpectation(selector: .step(position % 3), acceptedIntents: ["i\(position)"])
          ],
          faults: position % 2 == 0
            ? [ToolFault(intent: "deploy", fails: position, message: "m\(position)")] : [],
          behaviour: BehaviourExpectation(maxSteps: position % 4 == 0 ? position : nil),
          intents: ["done_for_now": ["message": position % 3 == 0 ? .any : .regex("v\(position)")]]
        ))
    }
    let expectations = Expectations(entries: entries)
    for name in Self.names {
      #expect(expectations.forThread(name) == Self.naiveForThread(expectations, name), "\(name)")
    }
    for pattern in Self.patterns {
      for name in Self.names {
        #expect(
          ThreadPattern(pattern).matches(name) == Self.naiveMatches(pattern: pattern, name),
          "\(pattern) against \(name)")
      }
    }
  }

  @Test func entriesChangedAfterwardAreLookedUp() {
    var expectations = Expectations(entries: [ThreadExpectation(thread: "a")])
    expectations.entries.append(
      ThreadExpectation(thread: "b", steps: [StepExpectation(selector: .seq(3), ignore: true)]))
    #expect(expectations.forThread("b").steps == [StepExpectation(selector: .seq(3), ignore: true)])
    #expect(expectations.forThread("b") == Self.naiveForThread(expectations, "b"))
  }

  /// The fixture reader as it was: the file as text, split into lines, each trimmed of
  /// Unicode spaces and tabs by Foundation.
  static func naiveLoad(_ file: String) throws -> [[Event]] {
    let text = try String(contentsOfFile: file, encoding: .utf8)
    var order: [String] = []
    var threads: [String: [Event]] = [:]
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
      let trimmed = line.trimmingCharacters(in: .whitespaces)
      if trimmed.isEmpty { continue }
      let parsed = try EventLine.parse(String(trimmed))
      if threads[parsed.thread] == nil { order.append(parsed.thread) }
      let next = threads[parsed.thread]?.count ?? 0
      threads[parsed.thread, default: []].append(parsed.event(seq: next))
    }
    return order.map { threads[$0] ?? [] }
  }

  @Test func fixturesReadOnTheirBytesAsTheTextReaderReadThem() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "refold-fixture-bytes-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let file = directory.appendingPathComponent("threads.jsonl").path
    let lines = [
      #"{"thread":"a","type":"user_input","data":{"text":"héllo"}}"#,
      "",
      "   ",
      "\u{00A0}" + #"{"thread":"a","type":"done_for_now","data":{"message":"ok"}}"# + "\u{2003}",
      "  \t" + #"{"thread":"b","type":"user_input","data":{}}"# + " \t",
      #"{"thread":"b","seq":1,"type":"done_for_now","data":{"message":"bye"}}"# + "\r",
      "\t",
    ]
    try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: file))
    let loaded = try FixtureLoader.loadWithLines([file])
    #expect(loaded.threads == (try Self.naiveLoad(file)))
    #expect(loaded.threads.map(\.count) == [2, 2])
    #expect(loaded.lines.map { $0.map(\.line) } == [[1, 4], [5, 6]])
    // Read in chunks smaller than a line, the stream finds the same threads and lines.
    var streamed: [[Int]] = []
    try FixtureStream(files: [file], chunkSize: 16).forEachThread { thread in
      streamed.append(thread.lines.map(\.line))
    }
    #expect(streamed == [[1, 4], [5, 6]])
  }

  @Test func aThreadResumedAfterAnotherIsNamedByItsLine() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "refold-fixture-bytes-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let first = directory.appendingPathComponent("1.jsonl").path
    let second = directory.appendingPathComponent("2.jsonl").path
    // A thread may run on from the end of one file into the next…
    try Data(
      (#"{"thread":"a","type":"user_input","data":{}}"# + "\n").utf8
    ).write(to: URL(fileURLWithPath: first))
    try Data(
      (#"{"thread":"a","type":"done_for_now","data":{"message":"ok"}}"# + "\n"
        + #"{"thread":"b","type":"user_input","data":{}}"# + "\n"
        + #"{"thread":"a","type":"user_input","data":{}}"# + "\n").utf8
    ).write(to: URL(fileURLWithPath: second))
    // …but not resume after another thread started.
    #expect {
      try FixtureLoader.load([first, second])
    } throws: { error in
      guard case .invalidFixture(let file, let line, let message) = error as? SuiteError else {
        return false
      }
      return file == second && line == 3 && message.contains("thread \"a\" resumes here")
    }
  }

  @Test func aBadLineIsNamedByItsNumber() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "refold-fixture-bytes-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let file = directory.appendingPathComponent("threads.jsonl").path
    try Data(
      (#"{"thread":"a","type":"user_input","data":{}}"# + "\n\n  {\"thread\": 3}\n").utf8
    ).write(to: URL(fileURLWithPath: file))
    #expect {
      try FixtureLoader.load([file])
    } throws: { error in
      guard case .invalidFixture(let path, let line, _) = error as? SuiteError else { return false }
      return path == file && line == 3
    }
  }
}
