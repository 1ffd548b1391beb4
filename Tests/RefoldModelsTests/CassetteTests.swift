import Foundation
import RefoldCore
import RefoldShared
import RefoldTesting
import Testing

@testable import RefoldModels

@Suite struct CassetteTests {
  /// The request a test exchange named `name` answers.
  func request(_ name: String) -> JSONValue {
    ["model": "m", "messages": [["role": "user", "content": .string(name)]]]
  }

  /// The key of the request named `name`.
  func key(_ name: String) -> String { CassetteKey.key(for: request(name)) }

  /// An exchange under `key`, whatever its request (for stores that do not verify keys).
  func exchange(keyed key: String, _ n: Int, answer: String) -> Exchange {
    var exchange = exchange(key, n, answer: answer)
    exchange.key = key
    return exchange
  }

  func exchange(_ name: String, _ n: Int, answer: String, thread: String? = "deploy-001")
    -> Exchange
  {
    Exchange(
      key: key(name), n: n, provider: "openai", request: request(name),
      response: ProviderResponses.openAIContent(answer), latencyMilliseconds: 812.5,
      usage: TokenUsage(inputTokens: 300, outputTokens: 40), recordedAt: "2026-11-26T10:00:00Z",
      thread: thread, meta: ["attempts": 1])
  }

  @Test func jsonlCassetteAppendsLinesAndNeverRewritesThem() throws {
    let directory = try Support.temporaryDirectory()
    let path = directory + "/nested/cassettes/deploybot.jsonl"
    let cassette = try JSONLCassette(path: path)
    #expect(try cassette.allExchanges().isEmpty)
    try cassette.append(exchange("k1", 0, answer: "a"))
    let firstBytes = try String(contentsOfFile: path, encoding: .utf8)
    try cassette.append(exchange("k1", 1, answer: "b"))
    try cassette.append(exchange("k2", 0, answer: "c"))
    let text = try String(contentsOfFile: path, encoding: .utf8)
    #expect(text.hasPrefix(firstBytes))
    let lines = text.split(separator: "\n")
    #expect(lines.count == 3)
    let first = try JSONParser.parse(String(lines[0]))
    #expect(first["latency_ms"] == 812.5)
    #expect(first["recorded_at"] == "2026-11-26T10:00:00Z")
    #expect(first["usage"] == ["input_tokens": 300, "output_tokens": 40])
    #expect(first["n"] == 0)

    // The cassette assigns n: an exchange claiming a taken one gets the next.
    let again = try cassette.append(exchange("k1", 1, answer: "again"))
    #expect(again.n == 2)
    #expect(again == exchange("k1", 2, answer: "again"))
    let reopened = try JSONLCassette(path: path)
    #expect(try reopened.allExchanges() == cassette.allExchanges())
    #expect(try reopened.exchanges(forKey: key("k1")).map(\.n) == [0, 1, 2])
    #expect(try reopened.append(exchange("k1", 0, answer: "d")).n == 3)
    #expect(try String(contentsOfFile: path, encoding: .utf8).hasPrefix(text))
  }

  @Test func invalidLinesAreReportedWithTheirNumber() throws {
    let path = try Support.temporaryDirectory() + "/bad.jsonl"
    let good = exchange("k", 0, answer: "a").jsonLine
    try (good + "\n\n{\"key\":\"k\"}\n").write(toFile: path, atomically: true, encoding: .utf8)
    #expect(throws: ModelSourceError.cassette(path: path, line: 3, reason: "missing n")) {
      try JSONLCassette(path: path)
    }
  }

  @Test func aLineIsReadInFullOnlyWhenAskedFor() throws {
    let path = try Support.temporaryDirectory() + "/lazy.jsonl"
    let good = exchange("k", 0, answer: "a").jsonLine
    // Key and n are valid, the rest of the line is not: opening does not notice.
    let broken = #"{"key":"b","n":0,"provider":"openai","request":{"model":"m","#
    try (good + "\n" + broken + "\n").write(toFile: path, atomically: true, encoding: .utf8)
    let cassette = try JSONLCassette(path: path)
    #expect(try cassette.exchanges(forKey: key("k")) == [exchange("k", 0, answer: "a")])
    var answer = exchange("k", 0, answer: "a")
    answer.request = .null
    #expect(try cassette.answers(forKey: key("k")) == [answer])
    for read in [cassette.exchanges(forKey:), cassette.answers(forKey:)] {
      let error = try #require(throws: ModelSourceError.self) { try read("b") }
      guard case .cassette(let errorPath, let line, let reason) = error else {
        Issue.record("expected a cassette error, got \(error)")
        continue
      }
      #expect(errorPath == path)
      #expect(line == 2)
      #expect(reason.hasPrefix("invalid JSON (column "))
    }
    #expect(throws: ModelSourceError.self) { try cassette.allExchanges() }
  }

  @Test(arguments: [
    (#"{"n":0,"key":"k"}"#, "k", ""),
    (#" { "key" : "k\u0031" , "n" : 1.0 }"#, "", "expected n 0 for key k1, found 1"),
    (#"{"key":"k","key":"k","n":0}"#, "", "invalid JSON (column 12: duplicate key \"key\")"),
    (#"{"key":"k""#, "", "invalid JSON (column 11: unterminated object)"),
    (#"["key","n"]"#, "", "invalid JSON (column 1: expected a JSON object)"),
    (#"{"key":7,"n":0}"#, "", "missing key"),
    (#"{"key":"k","n":-1}"#, "", "missing n"),
  ])
  func openingReadsKeyAndNOnly(line: String, key: String, reason: String) throws {
    let path = try Support.temporaryDirectory() + "/keys.jsonl"
    try (line + "\n").write(toFile: path, atomically: true, encoding: .utf8)
    if reason.isEmpty {
      let cassette = try JSONLCassette(path: path)
      // The line is not an exchange: reading it says so, with its number.
      #expect(throws: ModelSourceError.cassette(path: path, line: 1, reason: "missing provider")) {
        try cassette.answers(forKey: key)
      }
    } else {
      #expect(throws: ModelSourceError.cassette(path: path, line: 1, reason: reason)) {
        try JSONLCassette(path: path)
      }
    }
  }

  /// A member whose value the caller knows is stepped over when the line holds exactly
  /// that value, and split as any other when it holds more or something else.
  @Test func aKnownValueIsSteppedOverOnlyWhenTheLineHoldsExactlyIt() throws {
    let known = Array(#"{"m":"a\"}b","x":[1,{"y":2}]}"#.utf8)
    func length(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
      bytes.count >= known.count && bytes.prefix(known.count).elementsEqual(known)
        ? known.count : nil
    }
    let cases: [(value: String, matched: Bool)] = [
      (String(decoding: known, as: UTF8.self), true),
      (#"{"m":"a\"}b","x":[1,{"y":2}],"z":3}"#, false),
      (#"{"m":"other"}"#, false),
      (#""a string""#, false),
    ]
    for (value, matched) in cases {
      let line = #"{"key":"k","request":"# + value + #","response":{"r":[1]},"n":0}"#
      let split = try Array(line.utf8).withUnsafeBufferPointer { buffer in
        let split = try CassetteLine(buffer, known: ("request", length))
        let whole = try CassetteLine(buffer)
        #expect(split.members.map(\.name) == whole.members.map(\.name), "\(line)")
        #expect(split.members.map(\.value) == whole.members.map(\.value), "\(line)")
        return split
      }
      #expect(split.knownMatched == matched, "\(line)")
    }
  }

  @Test func lineMembersEndWhereTheParserSaysWhateverTheEscapes() throws {
    // Strings short and long, with escaped quotes and backslashes at every offset around
    // the point where the splitter switches from looking byte by byte to memchr.
    for length in [0, 1, 30, 31, 32, 33, 34, 64, 200] {
      for position in Set([0, length / 2, max(0, length - 1), length]) {
        for escape in [#"\""#, #"\\"#, #"\\\""#, #"\n"#] {
          var text = String(repeating: "x", count: length)
          text.insert(contentsOf: escape, at: text.index(text.startIndex, offsetBy: position))
          let line = #"{"a":""# + text + #"","b":[{"c":""# + text + #""}],"n":7}"#
          let bytes = Array(line.utf8)
          let members = try bytes.withUnsafeBufferPointer { buffer in
            try CassetteLine(buffer).members.map { member in
              (member.name, String(decoding: buffer[member.value], as: UTF8.self))
            }
          }
          let parsed = try JSONParser.parse(line)
          #expect(members.map(\.0) == ["a", "b", "n"], "\(line)")
          for (name, value) in members {
            #expect(try JSONParser.parse(value) == parsed[name], "\(line)")
          }
        }
      }
    }
  }

  @Test func recordedSourceAnswersIdenticalRequestsInRecordedOrder() async throws {
    let request = ModelRequest(
      provider: .openai, body: ["model": "m", "messages": []], thread: "t")
    let cassette = InMemoryCassette()
    try cassette.append(exchange(keyed: request.key, 0, answer: "first"))
    try cassette.append(exchange(keyed: request.key, 1, answer: "second"))
    let source = RecordedModelSource(cassette: cassette)
    let first = try await source.respond(to: request)
    let second = try await source.respond(to: request)
    #expect(first.body == ProviderResponses.openAIContent("first"))
    #expect(second.body == ProviderResponses.openAIContent("second"))
    #expect(first.n == 0)
    #expect(second.n == 1)
    #expect(second.usage == TokenUsage(inputTokens: 300, outputTokens: 40))
    #expect(second.meta?["replayed"] == true)
    await #expect(throws: ModelSourceError.self) { try await source.respond(to: request) }
  }

  @Test func inMemoryCassettesListEachKeyOnceInRecordedOrder() throws {
    let cassette = InMemoryCassette()
    for (key, answer) in [("b", "1"), ("a", "2"), ("b", "3"), ("c", "4")] {
      try cassette.append(exchange(keyed: key, 0, answer: answer))
    }
    #expect(try cassette.keys() == ["b", "a", "c"])
  }

  @Test func aMissShowsTheKeyTheNearestRequestAndALineDiff() async throws {
    let spec = try Support.deploybot()
    let builder = try RequestBuilder(spec: spec)
    let recorded = try builder.request(thread: "deploy-001", events: Support.deployThread)
    let cassette = InMemoryCassette()
    try cassette.append(
      Exchange(
        key: recorded.key, n: 0, provider: "openai", request: recorded.body,
        response: ProviderResponses.openAIContent("x"), recordedAt: "2026-11-26T10:00:00Z",
        thread: "deploy-001"))
    try cassette.append(
      Exchange(
        key: "unrelated", n: 0, provider: "openai", request: ["model": "other"],
        response: ProviderResponses.openAIContent("y"), recordedAt: "2026-11-26T10:00:00Z",
        thread: "deploy-999"))
    var changedSpec = spec
    changedSpec.promptTemplate = changedSpec.promptTemplate.replacingOccurrences(
      of: "decide\nthe single next step", with: "decide\nexactly one next step")
    changedSpec.model.temperature = 0.7
    var events = Support.deployThread
    events[0].data = [
      "from": "@alex", "channel": "#deploys", "text": "ship latest frontend to prod",
    ]
    let asked = try RequestBuilder(spec: changedSpec).request(thread: "deploy-001", events: events)
    let source = RecordedModelSource(cassette: cassette)
    do {
      _ = try await source.respond(to: asked)
      Issue.record("expected a cassette miss")
    } catch {
      guard case .cassetteMiss(let key, let thread, let detail, let diff) = error else {
        Issue.record("expected a cassette miss, got \(error)")
        return
      }
      #expect(key == asked.key)
      #expect(thread == "deploy-001")
      #expect(detail.contains("has key \(recorded.key) (thread deploy-001)"))
      #expect(detail.contains("from the same thread"))
      #expect(diff.contains("- temperature: 0"))
      #expect(diff.contains("+ temperature: 0.7"))
      #expect(
        diff.contains(
          "-   | the single next step. Events are in time order; the last one is the newest."))
      #expect(
        diff.contains(
          "+   | exactly one next step. Events are in time order; the last one is the newest."))
      #expect(diff.contains("-   |   text: ship latest backend to prod"))
      #expect(diff.contains("+   |   text: ship latest frontend to prod"))
      #expect(!diff.contains("tool next_step"))
      #expect(
        error.description.hasPrefix("cassette miss for key \(asked.key) (thread deploy-001): "))
    }
  }

  @Test func aMissOnAnEmptyCassetteSaysSo() async throws {
    let source = RecordedModelSource(cassette: InMemoryCassette())
    let request = ModelRequest(provider: .openai, body: ["model": "m"], thread: "t")
    await #expect(throws: ModelSourceError.self) { try await source.respond(to: request) }
  }

  @Test func lineDiffKeepsContextAndMarksChanges() {
    let edits = CassetteMissReport.diff(["a", "b", "c", "d", "e"], ["a", "b", "x", "d", "e", "f"])
    #expect(
      CassetteMissReport.render(edits) == "  b\n- c\n+ x\n  d\n  e\n+ f")
  }
}

@Suite struct ModelSourceKindTests {
  @Test func eachKindMakesItsSource() throws {
    var settings = ModelSettings(name: "m")
    settings.apiKeyEnvironment = "KEY"
    let cassette = InMemoryCassette()
    #expect(
      try ModelSourceKind.recorded.makeSource(
        settings: settings, cassette: cassette, environment: [:])
        is RecordedModelSource)
    #expect(
      try ModelSourceKind.live.makeSource(
        settings: settings, cassette: cassette, environment: ["KEY": "k"]) is LiveModelSource)
    #expect(
      try ModelSourceKind.record.makeSource(
        settings: settings, cassette: cassette, environment: ["KEY": "k"]) is RecordingModelSource)
    #expect(throws: ModelSourceError.missingAPIKey(variable: "KEY")) {
      try ModelSourceKind.record.makeSource(
        settings: settings, cassette: cassette, environment: [:])
    }
  }
}
