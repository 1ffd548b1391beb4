import Foundation
import RefoldCore
import RefoldShared
import RefoldTesting
import Synchronization
import Testing

@testable import RefoldModels

/// A cassette opened for replaying reads its index on a thread of its own
/// (`JSONLCassette.opening(path:)`): answers come as their lines are read, and a line the
/// index cannot take fails what comes after it and the opening, as the plain open fails.
@Suite struct BackgroundCassetteTests {
  func exchange(_ name: String, _ n: Int, answer: String, delivered: Bool = true) -> Exchange {
    let request: JSONValue = [
      "model": "m", "messages": [["role": "user", "content": .string(name)]],
    ]
    return Exchange(
      key: CassetteKey.key(for: request), n: n, provider: "openai", request: request,
      response: ProviderResponses.openAIContent(answer), latencyMilliseconds: 812.5,
      recordedAt: "2026-11-26T10:00:00Z", thread: "deploy-001",
      meta: delivered ? ["attempts": 1] : ["delivered": false])
  }

  /// 4,000 lines of 1,000 keys (each key's lines 1,000 lines apart), several MiB.
  func writeLarge(_ directory: String, lines: inout [String]) throws {
    let padding = String(repeating: "x", count: 1500)
    lines = (0..<4000).map { index in
      let name = "k\(index % 1000)-" + padding.prefix(index % 1000 * 3 % 1500)
      return exchange(name, index / 1000, answer: "a\(index)").jsonLine
    }
    let text = Array((lines.joined(separator: "\n") + "\n").utf8)
    try Data(text).write(to: URL(fileURLWithPath: directory + "/c.jsonl"))
    try Data(try text.withUnsafeBufferPointer { try GzipFile.deflate($0) }).write(
      to: URL(fileURLWithPath: directory + "/c.jsonl.gz"))
  }

  @Test(arguments: ["c.jsonl", "c.jsonl.gz"])
  func answersAskedWhileTheIndexIsReadAreThoseOfTheWholeCassette(_ file: String) throws {
    let directory = try Support.temporaryDirectory()
    var lines: [String] = []
    try writeLarge(directory, lines: &lines)
    let whole = try JSONLCassette(path: directory + "/c.jsonl")
    let keys = try whole.keys()
    let expected = try keys.map { try whole.answers(forKey: $0) }
    let cassette = try JSONLCassette.opening(path: directory + "/" + file)
    // Asked from several threads at once, right away, the later keys first.
    let answers = Mutex<[Int: [Exchange]]>([:])
    let failures = Mutex<[String]>([])
    DispatchQueue.concurrentPerform(iterations: 8) { worker in
      for index in stride(from: keys.count - 1 - worker, through: 0, by: -8) {
        do {
          let got = try cassette.answers(forKey: keys[index], needing: 2)
          answers.withLock { $0[index] = got }
        } catch {
          failures.withLock { $0.append("\(error)") }
        }
      }
    }
    #expect(failures.withLock { $0 }.isEmpty)
    let got = answers.withLock { $0 }
    #expect(got.count == keys.count)
    for index in keys.indices {
      // At least the two asked for, in order; all four once the index is whole.
      let some = got[index] ?? []
      #expect(some.count >= 2 && some == Array(expected[index].prefix(some.count)))
    }
    try cassette.finishOpening()
    for index in stride(from: 0, to: keys.count, by: 97) {
      #expect(try cassette.answers(forKey: keys[index], needing: 1) == expected[index])
    }
    #expect(try cassette.allExchanges().map(\.jsonLine) == lines)
    #expect(try cassette.answers(forKey: "absent", needing: 1).isEmpty)
  }

  @Test func aMissingFileIsAnEmptyCassette() throws {
    let directory = try Support.temporaryDirectory()
    let cassette = try JSONLCassette.opening(path: directory + "/none.jsonl")
    try cassette.finishOpening()
    #expect(try cassette.answers(forKey: "k", needing: 1).isEmpty)
  }

  /// A bad line late in the file: the opening returns, answers after it and the opening's
  /// end throw what the plain open throws, naming the file and the line.
  @Test(arguments: ["bad.jsonl", "bad.jsonl.gz"])
  func aLateBadLineFailsTheAnswersAfterItAndTheOpening(_ file: String) throws {
    let directory = try Support.temporaryDirectory()
    let exchanges = (0..<3000).map {
      exchange("k\($0)-" + String(repeating: "y", count: 1000), 0, answer: "a")
    }
    var lines = exchanges.map(\.jsonLine)
    lines[2800] = lines[2800].replacingOccurrences(of: #""n":0"#, with: #""n":1"#)
    #expect(lines[2800] != exchanges[2800].jsonLine)
    let text = Array((lines.joined(separator: "\n") + "\n").utf8)
    let path = directory + "/" + file
    if file.hasSuffix(".gz") {
      try Data(try text.withUnsafeBufferPointer { try GzipFile.deflate($0) }).write(
        to: URL(fileURLWithPath: path))
    } else {
      try Data(text).write(to: URL(fileURLWithPath: path))
    }
    var plainError = ""
    #expect {
      try JSONLCassette(path: path)
    } throws: { error in
      plainError = "\(error)"
      guard case .cassette(let failed, let line, _) = error as? ModelSourceError else {
        return false
      }
      return failed == path && line == 2801
    }
    #expect(plainError.contains("expected n 0"))
    let cassette = try JSONLCassette.opening(path: path)
    for index in [2900, 2999] {
      #expect {
        try cassette.answers(forKey: exchanges[index].key, needing: 1)
      } throws: { "\($0)" == plainError }
    }
    #expect {
      try cassette.finishOpening()
    } throws: { "\($0)" == plainError }
    #expect {
      try cassette.exchanges(forKey: exchanges[0].key)
    } throws: { "\($0)" == plainError }
    #expect {
      try RecordedModelSource(cassette: cassette).finishOpening()
    } throws: { "\($0)" == plainError }
  }

  /// The n-th answer a replay gets skips an answer the client abandoned while recording,
  /// and a request asked more often than answered is a miss that says so.
  @Test func aReplayWaitsForTheAnswersItNeedsOnly() async throws {
    let directory = try Support.temporaryDirectory()
    let path = directory + "/c.jsonl"
    let filler = (0..<2000).map {
      exchange("f\($0)-" + String(repeating: "z", count: 800), 0, answer: "f").jsonLine
    }
    let asked = [
      exchange("asked", 0, answer: "abandoned", delivered: false),
      exchange("asked", 1, answer: "first"), exchange("asked", 2, answer: "second"),
    ]
    let text = (filler + asked.map(\.jsonLine)).joined(separator: "\n") + "\n"
    try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    let source = RecordedModelSource(cassette: try JSONLCassette.opening(path: path))
    let request = ModelRequest(
      provider: .openai, body: asked[0].request, thread: "deploy-001")
    #expect(request.key == asked[0].key)
    let first = try await source.respond(to: request)
    let second = try await source.respond(to: request)
    #expect(first.body == asked[1].response)
    #expect(second.body == asked[2].response)
    await #expect {
      try await source.respond(to: request)
    } throws: { error in
      guard case .cassetteMiss(_, _, let detail, _) = error as? ModelSourceError else {
        return false
      }
      return detail.contains("asked 3 times but only 2")
    }
    try source.finishOpening()
  }

  /// A request the builder made is compared with a recorded request byte for byte instead
  /// of hashed: the line that holds exactly it is replayed, and a line whose request was
  /// changed under the same key is still refused as a key that is not its request's hash.
  @Test func aRequestComparedByItsBytesStillRefusesALineThatLies() async throws {
    let builder = try RequestBuilder(spec: try Support.deploybot())
    #expect(builder.splicesKeys)
    let events = [
      Event(thread: "t-1", seq: 1, type: "user_input", data: ["text": "ship the backend"])
    ]
    let request = try builder.request(thread: "t-1", events: events)
    let recorded = Exchange(
      key: request.key, n: 0, provider: "openai", request: request.body,
      response: ProviderResponses.openAIContent(#"{"intent":"done_for_now"}"#),
      recordedAt: "2026-11-26T10:00:00Z", thread: "t-1")
    let canonical = Array(CassetteKey.canonicalString(request.body).utf8)
    #expect(canonical.withUnsafeBufferPointer { request.canonicalBody.matches($0) })
    let directory = try Support.temporaryDirectory()
    let good = directory + "/good.jsonl"
    try Data((recorded.jsonLine + "\n").utf8).write(to: URL(fileURLWithPath: good))
    let answer = try await RecordedModelSource(cassette: try JSONLCassette.opening(path: good))
      .respond(to: request)
    #expect(answer.body == recorded.response)

    let lying = directory + "/lying.jsonl"
    let changed = recorded.jsonLine.replacingOccurrences(
      of: "ship the backend", with: "ship the frontend")
    #expect(changed != recorded.jsonLine)
    try Data((changed + "\n").utf8).write(to: URL(fileURLWithPath: lying))
    await #expect {
      try await RecordedModelSource(cassette: try JSONLCassette.opening(path: lying))
        .respond(to: request)
    } throws: { error in
      "\(error)".contains("lying.jsonl:1: the key \(request.key) is not the hash")
    }
  }
}
