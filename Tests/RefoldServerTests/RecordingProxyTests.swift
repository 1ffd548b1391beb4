import Foundation
import RefoldCore
import RefoldModels
import RefoldServer
import RefoldShared
import RefoldStore
import RefoldTesting
import Testing

@Suite struct RecordingProxyTests {
  /// A deploy-bot style OpenAI request offering two tools.
  static let openAIRequest: JSONValue = [
    "model": "gpt-4o-mini", "temperature": 0,
    "messages": [
      ["role": "system", "content": "You are deploybot."],
      ["role": "user", "content": "ship latest backend to prod"],
    ],
    "tools": [
      [
        "type": "function",
        "function": [
          "name": "list_git_tags", "parameters": ["type": "object", "properties": [:]],
        ],
      ],
      [
        "type": "function",
        "function": [
          "name": "deploy_backend",
          "parameters": [
            "type": "object", "required": ["tag", "environment"],
            "properties": ["tag": ["type": "string"], "environment": ["type": "string"]],
          ],
        ],
      ],
    ],
  ]

  static let secret = "sk-proxytest-9f8e7d6c5b4a39281706"

  @Test func aSilentUpstreamTimesOutOnTheProxysClockAndNothingIsRecorded() async throws {
    let directory = try Support.temporaryDirectory()
    let database = try RefoldDatabase(path: directory + "/refold.sqlite")
    let cassette = SQLiteCassetteStore(database: database)
    // The upstream holds every request until the test ends.
    let (held, release) = AsyncStream.makeStream(of: Void.self)
    defer { release.finish() }
    let upstream = try await ProviderServer { _, _ in
      for await _ in held {}
      return .json(ProviderResponses.openAIContent("late"))
    }
    defer { Task { await upstream.stop() } }
    let clock = TestClock()
    let events = SQLiteEventStore(database: database)
    let proxy = try RecordingProxy(
      upstream: upstream.baseURL, events: events,
      cassette: cassette, timeout: 300,
      dependencies: Dependencies(
        clock: clock, now: { Date(timeIntervalSince1970: 1_700_000_000) },
        transport: URLSessionTransport()))
    let running = try await proxy.start(listen: ListenAddress(host: "127.0.0.1", port: 0))

    async let reply = Support.post(
      running.baseURL + "/v1/chat/completions", json: Self.openAIRequest,
      headers: ["X-Refold-Thread": "prod-002"])
    // Five minutes pass on the proxy's clock, none in the test.
    await clock.advanceWhenDue(by: .seconds(300))
    let answer = try await reply
    await running.stop(timeout: 0)
    #expect(answer.status == 504)
    #expect(answer.json?["error"]?["type"] == "upstream_timeout")
    #expect(
      answer.json?["error"]?["message"]
        == .string(
          "refold proxy: the upstream \(upstream.baseURL)/chat/completions did not answer "
            + "within 300 s (the proxy's --timeout)."))
    #expect(try cassette.allExchanges().isEmpty)
    #expect(try events.events(in: "prod-002").isEmpty)
  }

  @Test func recordsAnExchangeAndReplaysItWithTheUpstreamGone() async throws {
    let directory = try Support.temporaryDirectory()
    let databasePath = directory + "/refold.sqlite"
    let answer = ProviderResponses.openAIToolCall(name: "list_git_tags", arguments: [:])
    let upstream = try await ProviderServer { _, _ in .json(answer) }
    let database = try RefoldDatabase(path: databasePath)
    let events = SQLiteEventStore(database: database)
    let cassette = SQLiteCassetteStore(database: database)
    let proxy = try RecordingProxy(
      upstream: upstream.baseURL, events: events, cassette: cassette)
    let running = try await proxy.start(listen: ListenAddress(host: "127.0.0.1", port: 0))

    let reply = try await Support.post(
      running.baseURL + "/v1/chat/completions", json: Self.openAIRequest,
      headers: ["Authorization": "Bearer \(Self.secret)", "X-Refold-Thread": "prod-001"])
    await proxy.waitUntilRecorded()
    await running.stop(timeout: 0)
    await upstream.stop()

    // The client got the upstream's answer unchanged, and the upstream got the key.
    #expect(reply.status == 200)
    #expect(reply.json == answer)
    #expect(reply.headers["content-type"]?.hasPrefix("application/json") == true)
    let forwarded = try #require(upstream.received.first)
    #expect(forwarded.path == "/v1/chat/completions")
    #expect(forwarded.headers["authorization"] == "Bearer \(Self.secret)")
    #expect(forwarded.headers["x-refold-thread"] == nil)

    // The exchange is in the cassette under the key replay computes.
    let key = CassetteKey.key(for: Self.openAIRequest)
    let recorded = try cassette.exchanges(forKey: key)
    #expect(recorded.count == 1)
    #expect(recorded.first?.provider == "openai")
    #expect(recorded.first?.usage == TokenUsage(inputTokens: 412, outputTokens: 23))
    #expect(recorded.first?.latencyMilliseconds != nil)
    #expect(recorded.first?.thread == "prod-001")
    #expect(reply.headers["x-refold-exchange"] == key)

    // The decision is on the thread, pointing at the exchange.
    let thread = try events.events(in: "prod-001")
    // The thread from the wire: the system and user text, then the decision.
    #expect(thread.map(\.type) == ["user_input", "user_input", "list_git_tags"])
    #expect(thread[0].data == ["text": "You are deploybot.", "role": "system"])
    #expect(thread[1].data == ["text": "ship latest backend to prod"])
    #expect(thread.last?.meta?["exchange_key"] == .string(key))
    #expect(thread.last?.meta?["tool_call_id"] != nil)

    // Replay from the cassette, the upstream stopped.
    let source = RecordedModelSource(cassette: cassette)
    let replayed = try await source.respond(
      to: ModelRequest(provider: .openai, body: Self.openAIRequest))
    #expect(replayed.body == answer)

    // The API key reached the upstream but is nowhere in the database files.
    for suffix in ["", "-wal", "-shm"] {
      guard let bytes = FileManager.default.contents(atPath: databasePath + suffix) else {
        continue
      }
      #expect(bytes.range(of: Data(Self.secret.utf8)) == nil, "found the key in \(suffix)")
    }
  }

  @Test func anthropicRequestsUseMetadataForTheThreadAndDecodeToolUse() async throws {
    let answer = ProviderResponses.anthropicToolUse(
      name: "deploy_backend", input: ["tag": "v1.4.2", "environment": "production"])
    let upstream = try await ProviderServer { _, _ in .json(answer) }
    let events = InMemoryEventStore()
    let cassette = InMemoryCassette()
    let proxy = try RecordingProxy(upstream: upstream.baseURL, events: events, cassette: cassette)
    let running = try await proxy.start(listen: ListenAddress(host: "127.0.0.1", port: 0))
    let request: JSONValue = [
      "model": "claude-3-5-haiku", "max_tokens": 256, "system": "You are deploybot.",
      "messages": [["role": "user", "content": "deploy v1.4.2 to production"]],
      "tools": [
        [
          "name": "deploy_backend",
          "input_schema": [
            "type": "object", "properties": ["tag": ["type": "string"], "environment": [:]],
          ],
        ]
      ],
      "metadata": ["refold_thread": "prod-002", "user_id": "u-1"],
    ]
    let reply = try await Support.post(
      running.baseURL + "/v1/messages", json: request,
      headers: ["x-api-key": Self.secret, "anthropic-version": "2023-06-01"])
    await proxy.waitUntilRecorded()
    await running.stop(timeout: 0)
    await upstream.stop()

    #expect(reply.json == answer)
    let forwarded = try #require(upstream.received.first)
    #expect(forwarded.path == "/v1/messages")
    #expect(forwarded.headers["x-api-key"] == Self.secret)
    #expect(forwarded.headers["anthropic-version"] == "2023-06-01")
    let forwardedBody = try JSONParser.parse(bytes: [UInt8](forwarded.body))
    #expect(forwardedBody["metadata"] == ["user_id": "u-1"])
    let thread = try events.events(in: "prod-002")
    #expect(thread.map(\.type) == ["user_input", "user_input", "deploy_backend"])
    #expect(thread.last?.data == ["tag": "v1.4.2", "environment": "production"])
    #expect(thread.last?.meta?["wire_index"] == 1)
    let all = try cassette.allExchanges()
    #expect(all.map(\.provider) == ["anthropic"])
    #expect(all.first?.key == CassetteKey.key(for: request))
  }

  @Test func aTextAnswerIsTheFinalIntentAndIdenticalRequestsCount() async throws {
    let upstream = try await ProviderServer { _, _ in
      .json(ProviderResponses.openAIContent("I would rather not say."))
    }
    let events = InMemoryEventStore()
    let cassette = InMemoryCassette()
    let proxy = try RecordingProxy(upstream: upstream.baseURL, events: events, cassette: cassette)
    let running = try await proxy.start(listen: ListenAddress(host: "127.0.0.1", port: 0))
    let request: JSONValue = ["model": "m", "messages": [["role": "user", "content": "hi"]]]
    for _ in 0..<2 {
      _ = try await Support.post(
        running.baseURL + "/chat/completions", json: request,
        headers: ["X-Refold-Thread": "prod-003"])
    }
    await proxy.waitUntilRecorded()
    await running.stop(timeout: 0)
    await upstream.stop()

    let thread = try events.events(in: "prod-003")
    // A text answer is the final one; the repeated request adds no input.
    #expect(thread.map(\.type) == ["user_input", "done_for_now", "done_for_now"])
    #expect(thread[1].data == ["message": "I would rather not say."])
    #expect(try cassette.allExchanges().map(\.n) == [0, 1])
  }

  @Test func streamingIsRefusedAndNothingIsForwarded() async throws {
    let upstream = try await ProviderServer { _, _ in .json(ProviderResponses.openAIContent("{}")) }
    let cassette = InMemoryCassette()
    let proxy = try RecordingProxy(
      upstream: upstream.baseURL, events: InMemoryEventStore(), cassette: cassette)
    let running = try await proxy.start(listen: ListenAddress(host: "127.0.0.1", port: 0))
    var request = Self.openAIRequest.objectValue ?? [:]
    request["stream"] = true
    let reply = try await Support.post(
      running.baseURL + "/v1/chat/completions", json: .object(request))
    await proxy.waitUntilRecorded()
    await running.stop(timeout: 0)
    await upstream.stop()

    #expect(reply.status == 400)
    #expect(reply.json?["error"]?["message"]?.stringValue?.contains("streaming") == true)
    #expect(upstream.received.isEmpty)
    #expect(try cassette.allExchanges().isEmpty)
  }

  @Test func theAgentsOwnEventsAreAppendedThroughTheProxy() async throws {
    let upstream = try await ProviderServer { _, _ in .json(ProviderResponses.openAIContent("{}")) }
    let events = InMemoryEventStore()
    let proxy = try RecordingProxy(
      upstream: upstream.baseURL, events: events, cassette: InMemoryCassette())
    let running = try await proxy.start(listen: ListenAddress(host: "127.0.0.1", port: 0))
    let reply = try await Support.post(
      running.baseURL + "/refold/threads/prod-004/events",
      json: [
        ["type": "slack_message", "data": ["from": "@alex", "text": "ship it"]],
        ["type": "list_git_tags_result", "data": ["tags": ["v1.4.2"]]],
      ])
    await proxy.waitUntilRecorded()
    await running.stop(timeout: 0)
    await upstream.stop()

    #expect(reply.status == 200)
    #expect(
      try events.events(in: "prod-004").map(\.type) == ["slack_message", "list_git_tags_result"])
  }

  @Test(arguments: ["127.0.0.1:8787", "localhost:0", "[::1]:9000", "9001"])
  func listenAddressesParse(_ text: String) throws {
    let address = try ListenAddress(parsing: text)
    #expect(!address.host.isEmpty)
  }

  @Test(arguments: ["", "127.0.0.1", "host:port", ":80", "127.0.0.1:70000"])
  func badListenAddressesAreRefused(_ text: String) {
    #expect(throws: ServerError.self) { try ListenAddress(parsing: text) }
  }
}
