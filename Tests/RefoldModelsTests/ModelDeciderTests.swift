import RefoldCore
import RefoldTesting
import Synchronization
import Testing

@testable import RefoldModels

/// A source that answers every request with one body and remembers the requests.
final class FixedSource: ModelSource {
  let body: JSONValue
  let asked = Mutex<[ModelRequest]>([])

  init(_ body: JSONValue) { self.body = body }

  func respond(to request: ModelRequest) async throws(ModelSourceError) -> ModelResponse {
    asked.withLock { $0.append(request) }
    return ModelResponse(
      body: body, key: request.key, usage: TokenUsage(inputTokens: 10, outputTokens: 2),
      latencyMilliseconds: 42)
  }
}

@Suite struct ModelDeciderTests {
  @Test func decidesAnIntentWithItsProvenance() async throws {
    let spec = try Support.deploybot()
    let answer = ProviderResponses.openAIToolCall(
      name: "next_step",
      arguments: #"{"intent":"deploy_backend","tag":"v1.4.2","environment":"production"}"#)
    let source = FixedSource(answer)
    let decider = try ModelDecider(spec: spec, source: source)
    let decision = try await decider.decide(thread: "deploy-001", events: Support.deployThread)
    #expect(
      decision.outcome
        == .intent(
          Intent(
            name: "deploy_backend", parameters: ["tag": "v1.4.2", "environment": "production"])))
    let request = try #require(source.asked.withLock { $0.first })
    #expect(decision.exchangeKey == request.key)
    #expect(decision.usage == TokenUsage(inputTokens: 10, outputTokens: 2))
    #expect(decision.latencyMilliseconds == 42)
    #expect(decision.rawResponse == answer)
    #expect(decision.renderedContext?.contains("<list_git_tags_result>") == true)
    #expect(request.thread == "deploy-001")
    #expect(request.body["tool_choice"]?["function"]?["name"] == "next_step")
  }

  @Test func undecodableOutputIsAFailureNotAnError() async throws {
    let spec = try Support.deploybot()
    let source = FixedSource(
      ProviderResponses.openAIToolCall(
        name: "next_step", arguments: #"{"intent":"deploy_everything"}"#))
    let decision = try await ModelDecider(spec: spec, source: source).decide(
      thread: "deploy-001", events: Support.deployThread)
    guard case .failure(let message) = decision.outcome else {
      Issue.record("expected a failure")
      return
    }
    #expect(message.hasPrefix("unknown intent \"deploy_everything\""))
  }

  @Test func sourceFailuresAreThrown() async throws {
    let spec = try Support.deploybot()
    let decider = try ModelDecider(
      spec: spec, source: RecordedModelSource(cassette: InMemoryCassette()))
    await #expect(throws: ModelSourceError.self) {
      try await decider.decide(thread: "deploy-001", events: Support.deployThread)
    }
  }

  @Test(arguments: ContextFormatKind.allCases)
  func everyContextFormatWorksWithEveryOutputMode(format: ContextFormatKind) async throws {
    for mode in OutputMode.allCases {
      for provider in ModelSettings.Provider.allCases {
        var spec = try Support.deploybot()
        spec.contextFormat = format
        spec.outputMode = mode
        spec.model.provider = provider
        let answer: JSONValue =
          provider == .openai
          ? ProviderResponses.openAIContent(#"{"intent":"list_git_tags"}"#)
          : ProviderResponses.anthropicText(#"{"intent":"list_git_tags"}"#)
        let decision = try await ModelDecider(spec: spec, source: FixedSource(answer)).decide(
          thread: "t", events: Support.deployThread)
        #expect(
          decision.outcome == .intent(Intent(name: "list_git_tags")),
          "\(format) \(mode) \(provider)")
      }
    }
  }
}
