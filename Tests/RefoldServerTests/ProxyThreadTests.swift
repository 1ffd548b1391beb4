import Foundation
import Glibc
import RefoldCore
import RefoldModels
import RefoldServer
import RefoldShared
import RefoldTesting
import Testing

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

/// The proxy records whole threads from the wire, and only what the client received.
@Suite struct ProxyThreadTests {
  static let tools: JSONValue = [
    [
      "type": "function",
      "function": ["name": "list_git_tags", "parameters": ["type": "object", "properties": [:]]],
    ],
    [
      "type": "function",
      "function": [
        "name": "deploy_backend",
        "parameters": [
          "type": "object",
          "properties": ["tag": ["type": "string"], "environment": ["type": "string"]],
        ],
      ],
    ],
  ]

  @Test func aThreeTurnOpenAIToolLoopIsRecordedInOrder() async throws {
    let answers: [JSONValue] = [
      ProviderResponses.openAIToolCall(name: "list_git_tags", arguments: [:], id: "call_1"),
      ProviderResponses.openAIToolCall(
        name: "deploy_backend", arguments: ["tag": "v1.4.2", "environment": "staging"],
        id: "call_2"),
      ProviderResponses.openAIContent("Deployed v1.4.2 to staging."),
    ]
    let upstream = try await ProviderServer(answers: answers)
    let events = InMemoryEventStore()
    let cassette = InMemoryCassette()
    let proxy = try RecordingProxy(upstream: upstream.baseURL, events: events, cassette: cassette)
    let running = try await proxy.start(listen: ListenAddress(host: "127.0.0.1", port: 0))

    var messages: [JSONValue] = [
      ["role": "system", "content": "You are deploybot."],
      ["role": "user", "content": "ship latest backend to staging"],
    ]
    let results: [JSONValue] = [#"{"tags":["v1.4.2","v1.4.1"]}"#, #"{"status":"deployed"}"#]
    for turn in 0..<3 {
      let reply = try await Support.post(
        running.baseURL + "/v1/chat/completions",
        json: ["model": "gpt-4o-mini", "messages": .array(messages), "tools": Self.tools],
        headers: ["X-Refold-Thread": "loop-1"])
      #expect(reply.status == 200)
      guard turn < 2, let message = reply.json?["choices"]?.arrayValue?.first?["message"] else {
        break
      }
      messages.append(message)
      let id = message["tool_calls"]?.arrayValue?.first?["id"] ?? .null
      messages.append(["role": "tool", "tool_call_id": id, "content": results[turn]])
    }
    await proxy.waitUntilRecorded()
    await running.stop()
    await upstream.stop()

    let thread = try events.events(in: "loop-1")
    #expect(
      thread.map(\.type) == [
        "user_input", "user_input", "list_git_tags", "list_git_tags_result", "deploy_backend",
        "deploy_backend_result", "done_for_now",
      ])
    #expect(thread[1].data == ["text": "ship latest backend to staging"])
    #expect(thread[2].meta?["tool_call_id"] == "call_1")
    #expect(thread[3].data == ["tags": ["v1.4.2", "v1.4.1"]])
    #expect(thread[3].meta?["tool_call_id"] == "call_1")
    #expect(thread[4].data == ["tag": "v1.4.2", "environment": "staging"])
    #expect(thread[5].meta?["tool_call_id"] == "call_2")
    #expect(thread[6].data == ["message": "Deployed v1.4.2 to staging."])
    #expect(try cassette.allExchanges().count == 3)
  }

  @Test func anthropicToolResultsAreTiedToTheirCall() async throws {
    let answers: [JSONValue] = [
      ProviderResponses.anthropicToolUse(name: "list_git_tags", input: [:]),
      ProviderResponses.anthropicText("Latest is v1.4.2."),
    ]
    let upstream = try await ProviderServer(answers: answers)
    let events = InMemoryEventStore()
    let proxy = try RecordingProxy(
      upstream: upstream.baseURL, events: events, cassette: InMemoryCassette(),
      finalIntent: "reply")
    let running = try await proxy.start(listen: ListenAddress(host: "127.0.0.1", port: 0))
    let tools: JSONValue = [
      ["name": "list_git_tags", "input_schema": ["type": "object", "properties": [:]]],
      ["name": "deploy_backend", "input_schema": ["type": "object", "properties": [:]]],
    ]
    var messages: [JSONValue] = [["role": "user", "content": "which tag is latest?"]]
    let first = try await Support.post(
      running.baseURL + "/v1/messages",
      json: [
        "model": "claude-sonnet-4-5", "max_tokens": 256, "system": "You are deploybot.",
        "messages": .array(messages), "tools": tools,
      ],
      headers: ["X-Refold-Thread": "loop-2", "anthropic-version": "2023-06-01"])
    messages.append(["role": "assistant", "content": first.json?["content"] ?? .null])
    messages.append([
      "role": "user",
      "content": [
        [
          "type": "tool_result", "tool_use_id": "toolu_01A09q90qw90lq917835lq9",
          "content": [["type": "text", "text": #"{"tags":["v1.4.2"]}"#]],
        ],
        ["type": "text", "text": "and be quick"],
      ],
    ])
    _ = try await Support.post(
      running.baseURL + "/v1/messages",
      json: [
        "model": "claude-sonnet-4-5", "max_tokens": 256, "system": "You are deploybot.",
        "messages": .array(messages), "tools": tools,
      ],
      headers: ["X-Refold-Thread": "loop-2", "anthropic-version": "2023-06-01"])
    await proxy.waitUntilRecorded()
    await running.stop()
    await upstream.stop()

    let thread = try events.events(in: "loop-2")
    #expect(
      thread.map(\.type) == [
        "user_input", "user_input", "list_git_tags", "list_git_tags_result", "user_input",
        "reply",
      ])
    #expect(thread[0].data == ["text": "You are deploybot.", "role": "system"])
    #expect(thread[2].meta?["tool_call_id"] == "toolu_01A09q90qw90lq917835lq9")
    #expect(thread[3].data == ["tags": ["v1.4.2"]])
    #expect(thread[4].data == ["text": "and be quick"])
    #expect(thread[5].data == ["message": "Latest is v1.4.2."])
  }

  @Test func anAnswerTheClientAbandonedIsNoDecision() async throws {
    // The upstream holds the answer until the client has gone.
    let (held, release) = AsyncStream.makeStream(of: Void.self)
    defer { release.finish() }
    let upstream = try await ProviderServer { _, _ in
      for await _ in held {}
      return .json(ProviderResponses.openAIToolCall(name: "list_git_tags", arguments: [:]))
    }
    let events = InMemoryEventStore()
    let cassette = InMemoryCassette()
    let proxy = try RecordingProxy(upstream: upstream.baseURL, events: events, cassette: cassette)
    let running = try await proxy.start(listen: ListenAddress(host: "127.0.0.1", port: 0))
    let body = JSONValue.object([
      "model": "gpt-4o-mini", "messages": [["role": "user", "content": "ship it"]],
      "tools": Self.tools,
    ]).canonicalString
    // A client that sends the request and gives up before the answer: it closes the
    // connection, as an SDK does on its timeout.
    try Self.sendAndHangUp(
      port: try #require(URL(string: running.baseURL)?.port),
      request: "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        + "Content-Type: application/json\r\nX-Refold-Thread: abandoned-1\r\n"
        + "Content-Length: \(body.utf8.count)\r\n\r\n" + body)
    // Once the upstream has the request, it answers; the client has already gone, and the
    // proxy tries to hand the answer over.
    // (Up to a minute: a loaded machine may take long to get it there; the loop ends as
    // soon as it is.)
    let deadline = ContinuousClock.now + .seconds(60)
    while upstream.received.isEmpty, ContinuousClock.now < deadline {
      try await Task.sleep(for: .milliseconds(10))
    }
    release.finish()
    await proxy.waitUntilRecorded()
    await running.stop(timeout: 0)
    await upstream.stop()

    #expect(try events.events(in: "abandoned-1").map(\.type) == ["user_input"])
    let exchanges = try cassette.allExchanges()
    #expect(exchanges.count == 1)
    #expect(exchanges.first?.meta?["delivered"] == false)
    // Replay does not serve the abandoned answer.
    let source = RecordedModelSource(cassette: cassette)
    await #expect(throws: ModelSourceError.self) {
      _ = try await source.respond(
        to: ModelRequest(provider: .openai, body: exchanges[0].request, thread: "abandoned-1"))
    }
  }

  /// Connects to 127.0.0.1:`port`, sends `request`, waits 0.3 s and closes the connection.
  static func sendAndHangUp(port: Int, request: String) throws {
    let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    #expect(socket >= 0)
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
      }
    }
    #expect(connected == 0)
    let bytes = Array(request.utf8)
    #expect(send(socket, bytes, bytes.count, 0) == bytes.count)
    usleep(300_000)
    close(socket)
  }

  @Test func theSideRouteAnswersARepostedEventAsTheFirstTime() async throws {
    let events = InMemoryEventStore()
    let proxy = try RecordingProxy(
      upstream: "http://127.0.0.1:9/v1", events: events, cassette: InMemoryCassette())
    let running = try await proxy.start(listen: ListenAddress(host: "127.0.0.1", port: 0))
    let event: JSONValue = [
      "id": "slack-1712", "type": "slack_message", "data": ["text": "ship it"],
    ]
    let url = running.baseURL + "/refold/threads/side-1/events"
    let first = try await Support.post(url, json: event)
    let again = try await Support.post(url, json: event)
    let changed = try await Support.post(
      url, json: ["id": "slack-1712", "type": "slack_message", "data": ["text": "other"]])
    await running.stop()

    #expect(first.status == 200)
    #expect(again.status == 200)
    #expect(again.json == first.json)
    #expect(first.json?["written"] == 1)
    #expect(changed.status == 409)
    #expect(try events.events(in: "side-1").count == 1)
  }
}
