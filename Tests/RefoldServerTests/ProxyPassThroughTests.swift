import Foundation
import RefoldCore
import RefoldModels
import RefoldServer
import RefoldShared
import RefoldTesting
import Testing

/// The proxy hands back what the upstream said, and says what went wrong in the client's
/// provider's words.
@Suite struct ProxyPassThroughTests {
  /// A proxy to `upstream` on an in-memory store, started on a free port.
  func proxy(to upstream: String, timeout: Double = 300) async throws -> (
    RecordingProxy, RunningServer, InMemoryEventStore
  ) {
    let events = InMemoryEventStore()
    let proxy = try RecordingProxy(
      upstream: upstream, events: events, cassette: InMemoryCassette(), timeout: timeout)
    let running = try await proxy.start(listen: ListenAddress(host: "127.0.0.1", port: 0))
    return (proxy, running, events)
  }

  @Test func statusBodyAndHeadersComeBackAsTheUpstreamSentThem() async throws {
    let limited = ProviderResponse(
      status: 429, phrase: "Too Many Requests",
      headers: [
        "Content-Type": "application/json", "retry-after": "7", "x-request-id": "req_123",
        "x-ratelimit-remaining-requests": "0", "Connection": "close",
      ],
      body: Data(#"{"error":{"type":"rate_limit_exceeded","message":"slow down"}}"#.utf8))
    let upstream = try await ProviderServer { _, _ in limited }
    let (_, running, _) = try await proxy(to: upstream.baseURL)
    let reply = try await Support.post(
      running.baseURL + "/v1/chat/completions", json: RecordingProxyTests.openAIRequest)
    await running.stop()
    await upstream.stop()

    #expect(reply.status == 429)
    #expect(reply.body == limited.body)
    #expect(reply.headers["retry-after"] == "7")
    #expect(reply.headers["x-request-id"] == "req_123")
    #expect(reply.headers["x-ratelimit-remaining-requests"] == "0")
    #expect(reply.headers["content-type"] == "application/json")
  }

  @Test func getRoutesAreForwarded() async throws {
    let models: JSONValue = ["object": "list", "data": [["id": "gpt-4o-mini", "object": "model"]]]
    let upstream = try await ProviderServer(routes: ["GET /v1/models", "GET /v1/models/*"]) {
      _, request in
      request.path == "/v1/models"
        ? .json(models, headers: ["x-request-id": "req_models"])
        : .json(["id": "gpt-4o-mini", "object": "model"])
    }
    let (_, running, _) = try await proxy(to: upstream.baseURL)
    let list = try await Support.send(
      "GET", running.baseURL + "/v1/models", headers: ["Authorization": "Bearer sk-x"])
    let one = try await Support.send("GET", running.baseURL + "/v1/models/gpt-4o-mini")
    await running.stop()
    await upstream.stop()

    #expect(list.status == 200)
    #expect(list.json == models)
    #expect(list.headers["x-request-id"] == "req_models")
    #expect(one.json?["id"] == "gpt-4o-mini")
    #expect(upstream.received.map(\.path) == ["/v1/models", "/v1/models/gpt-4o-mini"])
    #expect(upstream.received.first?.header("authorization") == "Bearer sk-x")
  }

  @Test func errorsOnTheAnthropicRouteUseAnthropicsShape() async throws {
    let (_, running, _) = try await proxy(to: "http://127.0.0.1:9/v1")
    var streamed = AnthropicSupport.request.objectValue ?? [:]
    streamed["stream"] = true
    let refused = try await Support.post(
      running.baseURL + "/v1/messages", json: .object(streamed))
    let unreachable = try await Support.post(
      running.baseURL + "/v1/messages", json: AnthropicSupport.request)
    let openAI = try await Support.post(
      running.baseURL + "/v1/chat/completions", json: RecordingProxyTests.openAIRequest)
    await running.stop()

    #expect(refused.status == 400)
    #expect(refused.json?["type"] == "error")
    #expect(refused.json?["error"]?["type"] == "invalid_request_error")
    #expect(refused.json?["error"]?["message"]?.stringValue?.contains("streaming") == true)
    #expect(unreachable.status == 502)
    #expect(unreachable.json?["type"] == "error")
    #expect(unreachable.json?["error"]?["type"] == "api_error")
    let message = unreachable.json?["error"]?["message"]?.stringValue ?? ""
    #expect(message.hasPrefix("refold proxy: the upstream http://127.0.0.1:9/v1/messages"))
    #expect(!message.contains("error -"))
    // The OpenAI route keeps OpenAI's shape.
    #expect(openAI.status == 502)
    #expect(openAI.json?["type"] == nil)
    #expect(openAI.json?["error"]?["type"] == "upstream_unreachable")
  }
}

/// An Anthropic Messages request of the deploy-bot kind.
enum AnthropicSupport {
  static let request: JSONValue = [
    "model": "claude-sonnet-4-5", "max_tokens": 512,
    "messages": [["role": "user", "content": "ship latest backend to prod"]],
    "tools": [["name": "list_git_tags", "input_schema": ["type": "object", "properties": [:]]]],
  ]
}
