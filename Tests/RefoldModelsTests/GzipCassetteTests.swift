import Foundation
import RefoldCore
import RefoldShared
import RefoldTesting
import Testing

@testable import RefoldModels

/// Cassettes kept as `.jsonl.gz`: the same lines as a `.jsonl` cassette, compressed with the
/// system zlib, read and recorded natively, readable with `gzip` itself.
@Suite struct GzipCassetteTests {
  func exchange(_ name: String, _ n: Int, answer: String) -> Exchange {
    let request: JSONValue = [
      "model": "m", "messages": [["role": "user", "content": .string(name)]],
    ]
    return Exchange(
      key: CassetteKey.key(for: request), n: n, provider: "openai", request: request,
      response: ProviderResponses.openAIContent(answer), latencyMilliseconds: 812.5,
      usage: TokenUsage(inputTokens: 300, outputTokens: 40), recordedAt: "2026-11-26T10:00:00Z",
      thread: "deploy-001", meta: ["attempts": 1])
  }

  /// What `gzip -dc` writes for `path`, run as a real process.
  func gunzip(_ path: String) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["gzip", "-dc", path]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    #expect(process.terminationStatus == 0)
    return String(decoding: data, as: UTF8.self)
  }

  @Test func recordsTheSameLinesAsAJSONLCassetteAndReadsThemBack() throws {
    let directory = try Support.temporaryDirectory()
    let plain = try JSONLCassette(path: directory + "/plain.jsonl")
    let compressed = try JSONLCassette(path: directory + "/nested/compressed.jsonl.gz")
    let recorded = [
      exchange("k1", 0, answer: "a"), exchange("k1", 1, answer: "b"),
      exchange("k2", 0, answer: "c"),
    ]
    for item in recorded {
      try plain.append(item)
      try compressed.append(item)
    }
    // Read back before and after reopening, whole and without the request.
    #expect(try compressed.allExchanges() == recorded)
    let reopened = try JSONLCassette(path: directory + "/nested/compressed.jsonl.gz")
    #expect(try reopened.allExchanges() == recorded)
    #expect(try reopened.exchanges(forKey: recorded[0].key).map(\.n) == [0, 1])
    var answer = recorded[2]
    answer.request = .null
    #expect(try reopened.answers(forKey: recorded[2].key) == [answer])
    // Appending to a reopened cassette continues its counts.
    #expect(try reopened.append(exchange("k1", 0, answer: "d")).n == 2)
    try plain.append(exchange("k1", 0, answer: "d"))
    // gzip reads the file (one member per recorded exchange) as the plain cassette's lines.
    let expected = try String(contentsOfFile: directory + "/plain.jsonl", encoding: .utf8)
    #expect(try gunzip(directory + "/nested/compressed.jsonl.gz") == expected)
    #expect(try JSONLCassette.problems(path: directory + "/nested/compressed.jsonl.gz").isEmpty)
  }

  @Test func aFileGzipWroteIsRead() throws {
    let directory = try Support.temporaryDirectory()
    let lines = (0..<50).map { exchange("k\($0 % 5)", $0 / 5, answer: "a\($0)").jsonLine }
    try Data((lines.joined(separator: "\n") + "\n").utf8).write(
      to: URL(fileURLWithPath: directory + "/c.jsonl"))
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["gzip", "-9", directory + "/c.jsonl"]
    try process.run()
    process.waitUntilExit()
    let cassette = try JSONLCassette(path: directory + "/c.jsonl.gz", verify: true)
    #expect(try cassette.allExchanges().map(\.jsonLine) == lines)
    #expect(try cassette.exchanges(forKey: exchange("k3", 0, answer: "").key).count == 10)
  }

  @Test func rekeyWritesOneMember() throws {
    let directory = try Support.temporaryDirectory()
    let path = directory + "/c.jsonl.gz"
    let cassette = try JSONLCassette(path: path)
    for index in 0..<20 { try cassette.append(exchange("k\(index)", 0, answer: "a")) }
    let before = try gunzip(path)
    let size = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
    #expect(try JSONLCassette.rekey(path: path) == 0)
    #expect(try gunzip(path) == before)
    let after = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
    #expect(after < size / 2)
  }

  @Test func aFileThatIsNotGzipOrIsCutShortIsRefused() throws {
    let directory = try Support.temporaryDirectory()
    try Data(exchange("k", 0, answer: "a").jsonLine.utf8).write(
      to: URL(fileURLWithPath: directory + "/plain.jsonl.gz"))
    #expect {
      try JSONLCassette(path: directory + "/plain.jsonl.gz")
    } throws: { error in
      guard case .cassette(let path, _, let reason) = error as? ModelSourceError else {
        return false
      }
      return path == directory + "/plain.jsonl.gz" && reason.contains("not a valid gzip file")
    }
    let line = Array((exchange("k", 0, answer: "a").jsonLine + "\n").utf8)
    let member = try line.withUnsafeBufferPointer { try GzipFile.deflate($0) }
    try Data(member.prefix(member.count - 6)).write(
      to: URL(fileURLWithPath: directory + "/cut.jsonl.gz"))
    #expect {
      try JSONLCassette(path: directory + "/cut.jsonl.gz")
    } throws: { error in
      guard case .cassette(_, _, let reason) = error as? ModelSourceError else { return false }
      return reason.contains("cut short")
    }
  }

  /// A cassette of several MiB is scanned while it is still being decompressed: every
  /// line, including those across the reads' boundaries, is indexed as from the plain file.
  @Test func aLargeCompressedCassetteIsIndexedAsThePlainOne() throws {
    let directory = try Support.temporaryDirectory()
    let padding = String(repeating: "x", count: 1500)
    let lines = (0..<4000).map { index in
      let name = "k\(index % 1000)-" + padding.prefix(index % 1000 * 3 % 1500)
      return exchange(name, index / 1000, answer: "a\(index)").jsonLine
    }
    let text = Array((lines.joined(separator: "\n") + "\n").utf8)
    #expect(text.count > 4 << 20)
    try Data(text).write(to: URL(fileURLWithPath: directory + "/c.jsonl"))
    try Data(try text.withUnsafeBufferPointer { try GzipFile.deflate($0) }).write(
      to: URL(fileURLWithPath: directory + "/c.jsonl.gz"))
    let plain = try JSONLCassette(path: directory + "/c.jsonl")
    let compressed = try JSONLCassette(path: directory + "/c.jsonl.gz")
    #expect(try compressed.allExchanges().map(\.jsonLine) == lines)
    let keys = try plain.allExchanges().prefix(1000).map(\.key)
    for index in stride(from: 0, to: 1000, by: 37) {
      let key = keys[index]
      #expect(try compressed.answers(forKey: key) == plain.answers(forKey: key))
      #expect(try compressed.answers(forKey: key).count == 4)
    }
    #expect(try JSONLCassette.problems(path: directory + "/c.jsonl.gz").isEmpty)
  }

  /// A line that is not an exchange stops the open while the rest is still being
  /// decompressed; damage in the middle of the compressed bytes is the file's error.
  @Test func aBadLineOrDamageInALargeCompressedCassetteIsRefused() throws {
    let directory = try Support.temporaryDirectory()
    var lines = (0..<3000).map {
      exchange("k\($0)-" + String(repeating: "y", count: 2000), 0, answer: "a").jsonLine
    }
    lines[2] = "{not json"
    let text = Array((lines.joined(separator: "\n") + "\n").utf8)
    try Data(try text.withUnsafeBufferPointer { try GzipFile.deflate($0) }).write(
      to: URL(fileURLWithPath: directory + "/bad.jsonl.gz"))
    #expect {
      try JSONLCassette(path: directory + "/bad.jsonl.gz")
    } throws: { error in
      guard case .cassette(let path, let line, _) = error as? ModelSourceError else {
        return false
      }
      return path == directory + "/bad.jsonl.gz" && line == 3
    }
    lines[2] = lines[1]
    var member = try Array((lines.joined(separator: "\n") + "\n").utf8).withUnsafeBufferPointer {
      try GzipFile.deflate($0)
    }
    for index in stride(from: member.count / 2, to: member.count / 2 + 64, by: 1) {
      member[index] ^= 0x5A
    }
    try Data(member).write(to: URL(fileURLWithPath: directory + "/damaged.jsonl.gz"))
    #expect {
      try JSONLCassette(path: directory + "/damaged.jsonl.gz")
    } throws: { error in
      guard case .cassette(let path, _, _) = error as? ModelSourceError else { return false }
      return path == directory + "/damaged.jsonl.gz"
    }
    #expect(throws: ModelSourceError.self) {
      try JSONLCassette.problems(path: directory + "/damaged.jsonl.gz")
    }
  }

  @Test func aMissShowsTheNearestRequestFromACompressedCassette() async throws {
    let directory = try Support.temporaryDirectory()
    let cassette = try JSONLCassette(path: directory + "/c.jsonl.gz")
    try cassette.append(exchange("ship the backend", 0, answer: "a"))
    let reopened = try JSONLCassette(path: directory + "/c.jsonl.gz")
    let asked = ModelRequest(
      provider: .openai,
      body: ["model": "m", "messages": [["role": "user", "content": "ship the frontend"]]],
      thread: "deploy-001")
    do {
      _ = try await RecordedModelSource(cassette: reopened).respond(to: asked)
      Issue.record("expected a cassette miss")
    } catch {
      guard case .cassetteMiss(_, _, let detail, let diff) = error else {
        Issue.record("expected a cassette miss, got \(error)")
        return
      }
      #expect(detail.contains("thread deploy-001"))
      #expect(diff.contains("ship the backend"))
      #expect(diff.contains("ship the frontend"))
    }
  }
}
