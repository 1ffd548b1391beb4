import Foundation
import RefoldCore
import RefoldModels
import RefoldShared
import RefoldTesting
import Testing

/// The local provider server against Refold's own clients, over real HTTP on 127.0.0.1.
@Suite struct ProviderServerTests {
  let options = ClientOptions(
    timeout: 10, maxConcurrentRequests: 2,
    retry: RetryPolicy(maxAttempts: 2, baseDelay: 0.01, maxDelay: 1, jitter: 0))

  @Test func speaksOpenAIChatCompletionsAndRecordsTheRequest() async throws {
    let answer = ProviderResponses.openAIToolCall(name: "list_git_tags", arguments: "{}")
    let server = try await ProviderServer(answers: [answer])
    defer { Task { await server.stop() } }
    let client = OpenAIChatClient(baseURL: server.baseURL, apiKey: "sk-test-1", options: options)
    let result = try await client.send(["model": "m", "messages": []])
    #expect(result.body == answer)
    #expect(result.usage == TokenUsage(inputTokens: 412, outputTokens: 23))
    let request = try #require(server.received.first)
    #expect(request.method == "POST")
    #expect(request.path == "/v1/chat/completions")
    #expect(request.header("Authorization") == "Bearer sk-test-1")
    #expect(request.json == ["model": "m", "messages": []])
  }

  @Test func speaksAnthropicMessagesWithScriptedStatuses() async throws {
    let answer = ProviderResponses.anthropicToolUse(name: "list_git_tags", input: [:])
    let server = try await ProviderServer { attempt, request in
      attempt == 1
        ? .json(["type": "error", "error": ["type": "overloaded_error"]], status: 503)
        : .json(answer)
    }
    defer { Task { await server.stop() } }
    let client = AnthropicMessagesClient(
      baseURL: server.baseURL, apiKey: "sk-ant-1", options: options)
    let result = try await client.send(["model": "claude", "max_tokens": 8, "messages": []])
    #expect(result.body == answer)
    #expect(server.received.count == 2)
    #expect(server.received.map(\.path) == ["/v1/messages", "/v1/messages"])
    #expect(server.received[1].header("x-api-key") == "sk-ant-1")
  }

  @Test func answersOtherRoutesNotFoundAndLeavesThemOut() async throws {
    let server = try await ProviderServer(answers: [ProviderResponses.openAIContent("ok")])
    defer { Task { await server.stop() } }
    let client = OpenAIChatClient(
      baseURL: "http://127.0.0.1:\(server.port)/v2", apiKey: nil, options: options)
    await #expect(throws: ModelSourceError.self) { try await client.send(["model": "m"]) }
    #expect(server.received.isEmpty)
  }
}
