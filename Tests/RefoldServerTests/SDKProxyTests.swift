import Foundation
import RefoldCore
import RefoldModels
import RefoldServer
import RefoldShared
import RefoldTestSupport
import RefoldTesting
import Testing

/// The official OpenAI and Anthropic Python SDKs (pinned in `scripts/requirements-sdk.txt`,
/// installed by `.ci/run` into `.build/venv`) through the proxy, against a provider on
/// 127.0.0.1.
@Suite(
  .enabled(
    if: SDKVenv.exists,
    "skipped: no SDK venv; .ci/run creates it (python3 -m venv .build/venv; .build/venv/bin/pip install -r scripts/requirements-sdk.txt)"
  ))
struct SDKProxyTests {
  static let python = SDKVenv.python

  /// Runs `scripts/sdk-through-proxy.py scenario proxy thread`; its JSON lines.
  ///
  /// The process is awaited without holding a thread, so that the proxy keeps answering.
  static func run(_ scenario: String, proxy: String, thread: String) async throws
    -> [JSONValue]
  {
    var environment = ProcessInfo.processInfo.environment
    for name in ["OPENAI_BASE_URL", "ANTHROPIC_BASE_URL", "HTTP_PROXY", "HTTPS_PROXY"] {
      environment[name] = nil
    }
    environment["NO_PROXY"] = "127.0.0.1"
    let ended = try await ChildProcess.run(
      python, [Repository.root + "/scripts/sdk-through-proxy.py", scenario, proxy, thread],
      environment: environment)
    #expect(ended.status == 0, "\(ended.stderr)")
    return try ended.stdout.split(separator: "\n").map {
      try JSONParser.parse(String($0))
    }
  }

  @Test func anOpenAIToolLoopIsRecordedInOrderAndStreamingIsRefused() async throws {
    let answers: [JSONValue] = [
      ProviderResponses.openAIToolCall(name: "list_git_tags", arguments: [:], id: "call_1"),
      ProviderResponses.openAIToolCall(
        name: "deploy_backend", arguments: ["tag": "v1.4.2", "environment": "staging"],
        id: "call_2"),
      ProviderResponses.openAIContent("Deployed v1.4.2 to staging."),
    ]
    let upstream = try await ProviderServer { attempt, _ in
      .json(
        answers[min(attempt, answers.count) - 1],
        headers: ["x-request-id": "req_\(attempt)", "retry-after": "0"])
    }
    let events = InMemoryEventStore()
    let cassette = InMemoryCassette()
    let proxy = try RecordingProxy(upstream: upstream.baseURL, events: events, cassette: cassette)
    let running = try await proxy.start(listen: ListenAddress(host: "127.0.0.1", port: 0))
    let lines = try await Self.run("openai-loop", proxy: running.baseURL, thread: "sdk-openai")
    await proxy.waitUntilRecorded()
    await running.stop()
    await upstream.stop()

    // What the SDK saw: three answers with the upstream's headers, then a clear refusal.
    #expect(lines.count == 4)
    #expect(lines.prefix(3).map { $0["request_id"] } == ["req_1", "req_2", "req_3"])
    #expect(lines.first?["retry_after"] == "0")
    #expect(lines[2]["text"] == "Deployed v1.4.2 to staging.")
    #expect(lines.last?["kind"] == "stream_refused")
    #expect(lines.last?["status"] == 400)
    #expect(lines.last?["message"]?.stringValue?.contains("streaming") == true)
    #expect(upstream.received.count == 3)

    // What the proxy recorded: the whole thread, in order.
    let thread = try events.events(in: "sdk-openai")
    #expect(
      thread.map(\.type) == [
        "user_input", "user_input", "list_git_tags", "list_git_tags_result", "deploy_backend",
        "deploy_backend_result", "done_for_now",
      ])
    #expect(thread[1].data == ["text": "ship the latest backend to staging"])
    #expect(thread[3].data == ["tags": ["v1.4.2", "v1.4.1"]])
    #expect(thread[3].meta?["tool_call_id"] == "call_1")
    #expect(thread[4].data == ["tag": "v1.4.2", "environment": "staging"])
    #expect(thread[5].meta?["tool_call_id"] == "call_2")
    #expect(thread[6].data == ["message": "Deployed v1.4.2 to staging."])
    #expect(try cassette.allExchanges().count == 3)
  }

  @Test func anAnthropicToolLoopIsRecordedInOrder() async throws {
    let answers: [JSONValue] = [
      ProviderResponses.anthropicToolUse(name: "list_git_tags", input: [:]),
      ProviderResponses.anthropicText("The latest tag is v1.4.2."),
    ]
    let upstream = try await ProviderServer { attempt, _ in
      .json(answers[min(attempt, answers.count) - 1], headers: ["request-id": "req_a\(attempt)"])
    }
    let events = InMemoryEventStore()
    let proxy = try RecordingProxy(
      upstream: upstream.baseURL, events: events, cassette: InMemoryCassette())
    let running = try await proxy.start(listen: ListenAddress(host: "127.0.0.1", port: 0))
    let lines = try await Self.run(
      "anthropic-loop", proxy: running.baseURL, thread: "sdk-anthropic")
    await proxy.waitUntilRecorded()
    await running.stop()
    await upstream.stop()

    #expect(lines.prefix(2).map { $0["request_id"] } == ["req_a1", "req_a2"])
    #expect(lines.last?["kind"] == "stream_refused")
    #expect(lines.last?["status"] == 400)
    #expect(lines.last?["body_type"] == "error")
    let thread = try events.events(in: "sdk-anthropic")
    #expect(
      thread.map(\.type) == [
        "user_input", "user_input", "list_git_tags", "list_git_tags_result", "done_for_now",
      ])
    #expect(thread[0].data == ["text": "You are deploybot.", "role": "system"])
    #expect(thread[3].data == ["tags": ["v1.4.2", "v1.4.1"]])
    #expect(thread[3].meta?["tool_call_id"] == "toolu_01A09q90qw90lq917835lq9")
    #expect(thread[4].data == ["message": "The latest tag is v1.4.2."])
  }

  @Test func aClientTimeoutRecordsNoDecision() async throws {
    let upstream = try await ProviderServer { _, _ in
      try await Task.sleep(for: .milliseconds(1500))
      return .json(ProviderResponses.openAIToolCall(name: "list_git_tags", arguments: [:]))
    }
    let events = InMemoryEventStore()
    let cassette = InMemoryCassette()
    let proxy = try RecordingProxy(upstream: upstream.baseURL, events: events, cassette: cassette)
    let running = try await proxy.start(listen: ListenAddress(host: "127.0.0.1", port: 0))
    let lines = try await Self.run("openai-timeout", proxy: running.baseURL, thread: "sdk-timeout")
    // The upstream answers a second after the SDK gave up.
    await proxy.waitUntilRecorded()
    await running.stop()
    await upstream.stop()

    #expect(lines == [["kind": "timed_out"]])
    // No decision: at most the user's input, and the answer (when the upstream got the
    // request before the SDK gave up) is kept as undelivered.
    let types = try events.events(in: "sdk-timeout").map(\.type)
    #expect(types.allSatisfy { $0 == "user_input" }, "\(types)")
    let delivered = try cassette.allExchanges().map { $0.meta?["delivered"] }
    #expect(delivered.allSatisfy { $0 == false }, "\(delivered)")
  }
}

/// Where `.ci/run` installs the pinned SDKs.
enum SDKVenv {
  static let python = Repository.root + "/.build/venv/bin/python3"
  static var exists: Bool { FileManager.default.isExecutableFile(atPath: python) }
}
