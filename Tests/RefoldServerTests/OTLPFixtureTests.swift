import Foundation
import RefoldCore
import RefoldServer
import RefoldShared
import RefoldStore
import RefoldTestSupport
import Testing

/// The exports in fixtures/otel/, captured from the real instrumentations by
/// scripts/capture-otel-fixtures.sh (the official openai SDK against a scripted server, with
/// content capture on), import into one thread per conversation with every turn in order.
@Suite struct OTLPFixtureTests {
  static let fixtures = Repository.root + "/fixtures/otel"

  /// A store in a fresh directory.
  struct Store {
    let database: RefoldDatabase
    let events: SQLiteEventStore
    let cassette: SQLiteCassetteStore
    let recording: SQLiteRecordingStore

    init() throws {
      database = try RefoldDatabase(path: try Support.temporaryDirectory() + "/refold.sqlite")
      events = SQLiteEventStore(database: database)
      cassette = SQLiteCassetteStore(database: database)
      recording = SQLiteRecordingStore(database: database)
    }

    /// Every thread's events as `type data` lines, by the thread's first user text.
    func conversations() throws -> [String: [(thread: String, lines: [String])]] {
      var result: [String: [(String, [String])]] = [:]
      for summary in try events.threads() {
        let thread = try events.events(in: summary.thread)
        let first =
          thread.first { $0.type == "user_input" && $0.data["role"] == nil }?.data["text"]?
          .stringValue ?? ""
        result[first, default: []].append(
          (summary.thread, thread.map { "\($0.type) \($0.data.canonicalString)" }))
      }
      return result
    }
  }

  /// The three conversations the capture script holds, as their threads must read.
  static let loop = [
    #"user_input {"role":"system","text":"You are deploybot."}"#,
    #"user_input {"text":"deploy latest backend to staging"}"#,
    #"list_git_tags {}"#,
    #"list_git_tags_result {"tags":["v1.4.2","v1.4.1"]}"#,
    #"deploy_backend {"environment":"staging","tag":"v1.4.2"}"#,
    #"deploy_backend_result {"status":"deployed","tag":"v1.4.2"}"#,
    #"done_for_now {"message":"Deployed backend v1.4.2 to staging."}"#,
    #"user_input {"text":"what runs in production?"}"#,
    #"check_deployment_status {"environment":"production","service":"backend"}"#,
    #"check_deployment_status_result {"status":"healthy","tag":"v1.4.1"}"#,
    #"done_for_now {"message":"Backend v1.4.1 is healthy on production."}"#,
  ]
  static let hello = [
    #"user_input {"text":"say hello to the on-call engineer"}"#,
    #"done_for_now {"message":"Hello, on-call engineer."}"#,
  ]
  static let rollback = [
    #"user_input {"text":"roll back the frontend"}"#,
    #"request_clarification {"question":"Which environment?"}"#,
  ]

  /// Checks the threads and exchanges of one capture, imported once.
  func expectCapturedConversations(
    _ store: Store, summary: OTLPImporter.Summary, rollbackThread: String? = nil
  ) throws {
    #expect(summary.modelCalls == 8)
    #expect(summary.withoutContent == 0)
    #expect(summary.exchanges == 8)
    let conversations = try store.conversations()
    // Root spans without ids: the tool loop is one thread (by its history), the identical
    // pair two (neither goes on from the other); the agent's span makes a fourth.
    #expect(summary.threads == 4)
    #expect(conversations.count == 3)
    #expect(conversations["deploy latest backend to staging"]?.map(\.lines) == [Self.loop])
    #expect(conversations["roll back the frontend"]?.map(\.lines) == [Self.rollback])
    if let rollbackThread {
      #expect(conversations["roll back the frontend"]?.first?.thread == rollbackThread)
    }
    let helloThreads = conversations["say hello to the on-call engineer"] ?? []
    #expect(helloThreads.map(\.lines) == [Self.hello, Self.hello])

    // The identical pair: one key, n = 0 and 1, each decision pointing at its own.
    let exchanges = try store.cassette.allExchanges()
    #expect(exchanges.count == 8)
    let byKey = Dictionary(grouping: exchanges, by: \.key)
    let pair = try #require(byKey.values.first { $0.count == 2 })
    #expect(pair.map(\.n).sorted() == [0, 1])
    let pointed = try helloThreads.map { thread in
      let answer = try #require(try store.events.events(in: thread.thread).last)
      #expect(answer.meta?["exchange_key"]?.stringValue == pair[0].key)
      return try #require(answer.meta?["exchange_n"]?.intValue)
    }
    #expect(pointed.sorted() == [0, 1])

    // Every decision names its exchange; answers keep their finish reasons.
    for exchange in exchanges {
      let choice = exchange.response["choices"]?.arrayValue?.first
      let reason = choice?["finish_reason"]?.stringValue
      let calls = choice?["message"]?["tool_calls"]
      #expect(reason == (calls == nil ? "stop" : "tool_calls"), "\(exchange.response)")
      #expect(exchange.usage != nil)
      #expect(exchange.request["temperature"] == 0)
      #expect(exchange.request["model"] == "gpt-4o-mini")
    }
  }

  @Test func openaiV2TracesWithTheirLogRecords() throws {
    let store = try Store()
    let files = ["traces.json", "logs.json"].map { Self.fixtures + "/openai-v2/" + $0 }
    let summary = try OTLPImporter().importFiles(files, into: store.recording)
    // The agent invocation of opentelemetry-util-genai names the conversation.
    try expectCapturedConversations(store, summary: summary, rollbackThread: "conv-rollback-7")

    let again = try OTLPImporter().importFiles(files, into: store.recording)
    #expect(again.written == 0)
    #expect(again.exchanges == 0)
    #expect(try store.cassette.allExchanges().count == 8)
  }

  @Test func openaiV2TracesAloneHoldNoContentAndLogsAloneStillMakeTheThreads() throws {
    let traces = try Store()
    let alone = try OTLPImporter().importFiles(
      [Self.fixtures + "/openai-v2/traces.json"], into: traces.recording)
    #expect(alone.modelCalls == 8)
    #expect(alone.withoutContent == 8)

    let logs = try Store()
    let summary = try OTLPImporter().importFiles(
      [Self.fixtures + "/openai-v2/logs.json"], into: logs.recording)
    #expect(summary.modelCalls == 8)
    let conversations = try logs.conversations()
    #expect(conversations["deploy latest backend to staging"]?.map(\.lines) == [Self.loop])
    #expect(conversations["roll back the frontend"]?.map(\.lines) == [Self.rollback])
  }

  @Test func openaiV2LegacyEventsInOneFileWithTheirSpans() throws {
    let store = try Store()
    let file = Self.fixtures + "/openai-v2-legacy/export.json"
    let summary = try OTLPImporter().importFiles([file], into: store.recording)
    let rollbackTrace = try Self.traceOfAgentSpan(in: file)
    try expectCapturedConversations(store, summary: summary, rollbackThread: rollbackTrace)
  }

  @Test func traceloopSpanAttributesWithToolDefinitions() throws {
    let store = try Store()
    let file = Self.fixtures + "/traceloop/traces.json"
    let summary = try OTLPImporter().importFiles([file], into: store.recording)
    let rollbackTrace = try Self.traceOfAgentSpan(in: file)
    try expectCapturedConversations(store, summary: summary, rollbackThread: rollbackTrace)

    // The tools the request offered are in the exchange's request, in OpenAI chat form.
    let exchanges = try store.cassette.allExchanges()
    for exchange in exchanges where exchange.request["messages"]?.arrayValue?.count ?? 0 > 1 {
      let tools = try #require(exchange.request["tools"]?.arrayValue)
      #expect(
        tools.compactMap { $0["function"]?["name"]?.stringValue } == [
          "list_git_tags", "deploy_backend", "check_deployment_status", "request_clarification",
        ])
      #expect(tools[1]["function"]?["parameters"]?["required"] == ["tag", "environment"])
    }
  }

  @Test func traceloopEventsInLogRecords() throws {
    let store = try Store()
    let file = Self.fixtures + "/traceloop-events/export.json"
    let summary = try OTLPImporter().importFiles([file], into: store.recording)
    let rollbackTrace = try Self.traceOfAgentSpan(in: file)
    try expectCapturedConversations(store, summary: summary, rollbackThread: rollbackTrace)
  }

  @Test func aFileThatFailsToStoreWritesNothingAndARerunAddsNothing() throws {
    let store = try Store()
    let file = Self.fixtures + "/openai-v2-legacy/export.json"
    _ = try OTLPImporter().importFiles([file], into: store.recording)
    let exchanges = try store.cassette.allExchanges()
    let threads = try store.events.threads()

    // The same spans with another answer: new exchanges (their responses differ) whose
    // events clash with the stored ones by id. The clash comes after the exchanges, and
    // takes them back with it.
    let text = try String(contentsOfFile: file, encoding: .utf8)
      .replacingOccurrences(of: "Deployed backend v1.4.2 to staging.", with: "Deployed.")
      .replacingOccurrences(of: "say hello to the on-call engineer", with: "say hi")
    let changed = try Support.temporaryDirectory() + "/changed.json"
    try text.write(toFile: changed, atomically: true, encoding: .utf8)
    for _ in 0..<2 {
      #expect(throws: EventStoreError.self) {
        try OTLPImporter().importFiles([changed], into: store.recording)
      }
      #expect(try store.cassette.allExchanges() == exchanges)
      #expect(try store.events.threads() == threads)
    }
  }

  @Test func aSessionAttributeJoinsRootCallsIntoOneThread() throws {
    // The identical pair of the Traceloop capture, each span given the session the
    // application would put on it.
    let file = Self.fixtures + "/traceloop/traces.json"
    var root = try JSONParser.parse(String(contentsOfFile: file, encoding: .utf8))
    let session: JSONValue = ["key": "session.id", "value": ["stringValue": "session-42"]]
    guard case .array(var resources) = root["resourceSpans"] else {
      Issue.record("no resourceSpans")
      return
    }
    for (position, resource) in resources.enumerated() {
      let text = resource.canonicalString
      guard text.contains("say hello to the on-call engineer") else { continue }
      let tagged = text.replacingOccurrences(
        of: #""attributes":[{"key":"gen_ai.operation.name""#,
        with: #""attributes":[\#(session.canonicalString),{"key":"gen_ai.operation.name""#)
      resources[position] = try JSONParser.parse(tagged)
    }
    root = ["resourceSpans": .array(resources)]

    let store = try Store()
    let summary = try OTLPImporter().store(
      OTLPImporter().parse(root, file: file), into: store.recording)
    #expect(summary.threads == 3)
    let lines = try store.events.events(in: "session-42").map {
      "\($0.type) \($0.data.canonicalString)"
    }
    // The second call asked the same again: no new input, a second answer.
    #expect(lines == Self.hello + [Self.hello[1]])
  }

  /// The trace id of the capture's `invoke_agent deploybot` span.
  static func traceOfAgentSpan(in file: String) throws -> String {
    let root = try JSONParser.parse(String(contentsOfFile: file, encoding: .utf8))
    for resource in root["resourceSpans"]?.arrayValue ?? [] {
      for scope in resource["scopeSpans"]?.arrayValue ?? [] {
        for span in scope["spans"]?.arrayValue ?? []
        where span["name"]?.stringValue == "invoke_agent deploybot" {
          return try #require(span["traceId"]?.stringValue)
        }
      }
    }
    Issue.record("no invoke_agent span in \(file)")
    return ""
  }
}
