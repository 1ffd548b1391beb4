import Foundation
import RefoldCore
import RefoldShared
import RefoldTestSupport
import RefoldTesting
import Testing

@testable import RefoldModels

/// The key covers the whole request but its transport fields, and cassettes of key scheme 1
/// replay or say how to re-key them.
@Suite struct CassetteKeySchemeTests {
  /// Every parameter of OpenAI's `POST /v1/chat/completions` (openai-python 2.x,
  /// `chat.completions.create`) but `model` and `messages`, with a value it can take.
  static let openAIParameters: [String: JSONValue] = [
    "audio": ["voice": "alloy", "format": "wav"], "frequency_penalty": 0.5,
    "function_call": "auto",
    "functions": [["name": "f", "parameters": ["type": "object"]]],
    "logit_bias": ["50256": -100], "logprobs": true, "max_completion_tokens": 256,
    "max_tokens": 256, "metadata": ["run": "a"], "modalities": ["text"], "n": 2,
    "parallel_tool_calls": false, "prediction": ["type": "content", "content": "x"],
    "presence_penalty": 0.5, "prompt_cache_key": "cache-1", "prompt_cache_retention": "24h",
    "reasoning_effort": "high", "response_format": ["type": "json_object"],
    "safety_identifier": "user-hash", "seed": 7, "service_tier": "flex", "stop": ["\n\n"],
    "store": true, "stream": true, "stream_options": ["include_usage": true],
    "temperature": 0.2, "tool_choice": "required",
    "tools": [["type": "function", "function": ["name": "f", "parameters": ["type": "object"]]]],
    "top_logprobs": 3, "top_p": 0.9, "user": "someone", "verbosity": "low",
    "web_search_options": ["search_context_size": "low"],
  ]

  /// Every parameter of Anthropic's `POST /v1/messages` (anthropic-python, `messages.create`
  /// and its beta fields) but `model`, `messages` and `max_tokens`, with a value it can take.
  static let anthropicParameters: [String: JSONValue] = [
    "container": "container-1", "context_management": ["edits": []],
    "mcp_servers": [["type": "url", "url": "https://mcp.example", "name": "m"]],
    "metadata": ["user_id": "u-1"],
    "output_config": ["effort": "low"],
    "output_format": ["type": "json_schema", "schema": ["type": "object"]],
    "service_tier": "standard_only", "stop_sequences": ["\n\nHuman:"], "stream": true,
    "system": "You deploy.", "temperature": 0.2,
    "thinking": ["type": "enabled", "budget_tokens": 2048],
    "tool_choice": ["type": "any"],
    "tools": [["name": "f", "input_schema": ["type": "object"]]], "top_k": 40, "top_p": 0.9,
  ]

  static let openAIBase: JSONValue = [
    "model": "gpt-4o-mini", "messages": [["role": "user", "content": "ship it"]],
  ]
  static let anthropicBase: JSONValue = [
    "model": "claude-sonnet-4-5", "max_tokens": 1024,
    "messages": [["role": "user", "content": "ship it"]],
  ]

  /// The parameters of `parameters` whose presence does not change the key of `base`.
  func unkeyed(_ base: JSONValue, _ parameters: [String: JSONValue]) -> Set<String> {
    let baseKey = CassetteKey.key(for: base)
    var same: Set<String> = []
    for (name, value) in parameters {
      var body = base.objectValue ?? [:]
      body[name] = value
      if CassetteKey.key(for: .object(body)) == baseKey { same.insert(name) }
    }
    return same
  }

  @Test func everyOpenAIParameterButTheTransportOnesChangesTheKey() {
    #expect(
      unkeyed(Self.openAIBase, Self.openAIParameters)
        == [
          "metadata", "prompt_cache_key", "prompt_cache_retention", "safety_identifier",
          "service_tier", "store", "stream", "stream_options", "user",
        ])
    for name in ["stop", "max_completion_tokens", "n", "parallel_tool_calls", "reasoning_effort"] {
      #expect(!unkeyed(Self.openAIBase, Self.openAIParameters).contains(name), "\(name)")
    }
  }

  @Test func everyAnthropicParameterButTheTransportOnesChangesTheKey() {
    #expect(
      unkeyed(Self.anthropicBase, Self.anthropicParameters)
        == ["metadata", "service_tier", "stream"])
    // Changing a value that is already there changes the key too.
    var body = Self.anthropicBase.objectValue ?? [:]
    body["max_tokens"] = 2048
    #expect(CassetteKey.key(for: .object(body)) != CassetteKey.key(for: Self.anthropicBase))
  }

  @Test func aFieldRefoldHasNeverHeardOfIsInTheKey() {
    var body = Self.openAIBase.objectValue ?? [:]
    body["x_vendor_knob"] = 3
    #expect(CassetteKey.key(for: .object(body)) != CassetteKey.key(for: Self.openAIBase))
    #expect(CassetteKey.canonicalString(.object(body)).contains("x_vendor_knob"))
  }

  @Test func theTransportFieldsAreTheDocumentedOnes() throws {
    let documentation = try String(
      contentsOfFile: Repository.root + "/docs/recording.md", encoding: .utf8)
    for field in CassetteKey.transportFields {
      #expect(documentation.contains("`\(field)`"), "docs/recording.md names \(field)")
    }
  }

  @Test func aRequestOfSchemeOneFieldsKeepsItsKey() {
    var body = Self.openAIBase.objectValue ?? [:]
    body["temperature"] = 0
    body["tools"] = Self.openAIParameters["tools"]
    body["stream"] = false
    #expect(CassetteKey.key(for: .object(body)) == CassetteKey.legacyKey(for: .object(body)))
    body["stop"] = ["END"]
    #expect(CassetteKey.key(for: .object(body)) != CassetteKey.legacyKey(for: .object(body)))
    #expect(CassetteKey.fieldsMissingFromLegacyKey(.object(body)) == ["stop"])
  }

  @Test func linesCarryTheirKeySchemeAndOldLinesReadAsSchemeOne() throws {
    let exchange = Exchange(
      key: "k", n: 0, provider: "openai", request: Self.openAIBase,
      response: ProviderResponses.openAIContent("{}"), recordedAt: "2026-12-01T00:00:00Z")
    #expect(exchange.keyScheme == CassetteKey.scheme)
    let line = try JSONParser.parse(exchange.jsonLine)
    #expect(line["key_scheme"] == 2)
    var old = line.objectValue ?? [:]
    old["key_scheme"] = nil
    #expect(try Exchange(jsonValue: .object(old)).keyScheme == 1)
    #expect(!JSONValue.object(old).canonicalString.contains("key_scheme"))
    old["key_scheme"] = "two"
    #expect(throws: ExchangeLineError("key_scheme must be a positive integer")) {
      try Exchange(jsonValue: .object(old))
    }
  }

  /// A scheme-1 line: the key of the request's scheme-1 fields, no `key_scheme`.
  func schemeOneLine(for body: JSONValue, answer: String) -> String {
    Exchange(
      key: CassetteKey.legacyKey(for: body), n: 0, provider: "openai",
      request: body, response: ProviderResponses.openAIContent(answer),
      recordedAt: "2025-06-01T00:00:00Z", thread: "t-1", keyScheme: 1
    ).jsonLine
  }

  @Test func schemeOneCassettesReplayOrSayHowToRekey() async throws {
    let path = try Support.temporaryDirectory() + "/old.jsonl"
    var stopped = Self.openAIBase.objectValue ?? [:]
    stopped["stop"] = ["END"]
    let text =
      schemeOneLine(for: Self.openAIBase, answer: "plain") + "\n"
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    let source = RecordedModelSource(cassette: try JSONLCassette(path: path))

    // A request of scheme-1 fields only: its key is the same, the old line replays.
    let plain = try await source.respond(
      to: ModelRequest(provider: .openai, body: Self.openAIBase, thread: "t-1"))
    #expect(plain.body == ProviderResponses.openAIContent("plain"))

    // A request with a field scheme 1 left out: the old line might answer another request.
    do {
      _ = try await source.session().respond(
        to: ModelRequest(provider: .openai, body: .object(stopped), thread: "t-1"))
      Issue.record("a request with stop replayed a scheme-1 line")
    } catch {
      guard case .cassetteMiss(_, _, let detail, _) = error else {
        Issue.record("unexpected \(error)")
        return
      }
      #expect(detail.contains("key scheme 1"))
      #expect(detail.contains("left out stop"))
      #expect(detail.contains("`refold cassette rekey`"))
    }
  }
}
