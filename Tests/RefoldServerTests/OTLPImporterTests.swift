import Foundation
import RefoldCore
import RefoldModels
import RefoldServer
import RefoldStore
import Testing

@Suite struct OTLPImporterTests {
  static func attribute(_ key: String, _ value: JSONValue) -> JSONValue {
    let wrapped: JSONValue
    switch value {
    case .int(let number): wrapped = ["intValue": .string(String(number))]
    case .double: wrapped = ["doubleValue": value]
    case .bool: wrapped = ["boolValue": value]
    default: wrapped = ["stringValue": .string(value.stringValue ?? value.canonicalString)]
    }
    return ["key": .string(key), "value": wrapped]
  }

  static func span(
    trace: String, id: String, start: Int, attributes: [(String, JSONValue)],
    events: [JSONValue] = [], name: String = "chat gpt-4o"
  ) -> JSONValue {
    [
      "traceId": .string(trace), "spanId": .string(id), "name": .string(name), "kind": 3,
      "startTimeUnixNano": .string(String(1_763_632_800_000_000_000 + start * 1_000_000_000)),
      "endTimeUnixNano": .string(
        String(1_763_632_800_000_000_000 + start * 1_000_000_000 + 850_000_000)),
      "attributes": .array(attributes.map { attribute($0.0, $0.1) }),
      "events": .array(events),
    ]
  }

  static func json(_ value: JSONValue) -> JSONValue { .string(value.canonicalString) }

  /// Three conversations: current attributes, deprecated attributes, deprecated events; plus
  /// an HTTP span that is not a model call.
  static let document: JSONValue = {
    let system: JSONValue = [
      "role": "system", "parts": [["type": "text", "content": "You are deploybot."]],
    ]
    let user: JSONValue = [
      "role": "user", "parts": [["type": "text", "content": "deploy latest backend to staging"]],
    ]
    let listCall: JSONValue = [
      "role": "assistant",
      "parts": [["type": "tool_call", "id": "call_1", "name": "list_git_tags", "arguments": [:]]],
      "finish_reason": "tool_call",
    ]
    let listResult: JSONValue = [
      "role": "tool",
      "parts": [
        ["type": "tool_call_response", "id": "call_1", "response": ["tags": ["v1.4.2", "v1.4.1"]]]
      ],
    ]
    let deployCall: JSONValue = [
      "role": "assistant",
      "parts": [
        [
          "type": "tool_call", "id": "call_2", "name": "deploy_backend",
          "arguments": "{\"tag\":\"v1.4.2\",\"environment\":\"staging\"}",
        ]
      ],
    ]
    let current = [
      span(
        trace: "0af7651916cd43dd8448eb211c80319c", id: "b7ad6b7169203331", start: 0,
        attributes: [
          ("gen_ai.operation.name", "chat"), ("gen_ai.provider.name", "openai"),
          ("gen_ai.conversation.id", "conv-current"), ("gen_ai.request.model", "gpt-4o"),
          ("gen_ai.request.temperature", 0.0),
          ("gen_ai.input.messages", json([system, user])),
          ("gen_ai.output.messages", json([listCall])),
          ("gen_ai.usage.input_tokens", 120), ("gen_ai.usage.output_tokens", 12),
        ]),
      span(
        trace: "0af7651916cd43dd8448eb211c80319c", id: "c8be7c8270314442", start: 2,
        attributes: [
          ("gen_ai.operation.name", "chat"), ("gen_ai.conversation.id", "conv-current"),
          ("gen_ai.request.model", "gpt-4o"),
          ("gen_ai.input.messages", json([system, user, listCall, listResult])),
          ("gen_ai.output.messages", json([deployCall])),
          ("gen_ai.usage.input_tokens", 180), ("gen_ai.usage.output_tokens", 20),
        ]),
    ]
    let deprecatedTrace = "5b8aa5a2d2c872e8321cf37308d69df2"
    let deprecated = [
      span(
        trace: deprecatedTrace, id: "1111111111111111", start: 10,
        attributes: [
          ("gen_ai.system", "openai"), ("gen_ai.request.model", "gpt-3.5-turbo"),
          ("gen_ai.prompt.0.role", "user"), ("gen_ai.prompt.0.content", "what is on prod?"),
          ("gen_ai.completion.0.role", "assistant"),
          ("gen_ai.completion.0.tool_calls.0.id", "call_9"),
          ("gen_ai.completion.0.tool_calls.0.name", "check_deployment_status"),
          (
            "gen_ai.completion.0.tool_calls.0.arguments",
            "{\"service\":\"backend\",\"environment\":\"production\"}"
          ),
          ("gen_ai.usage.prompt_tokens", 50), ("gen_ai.usage.completion_tokens", 9),
        ]),
      span(
        trace: deprecatedTrace, id: "2222222222222222", start: 12,
        attributes: [
          ("gen_ai.system", "openai"), ("gen_ai.request.model", "gpt-3.5-turbo"),
          ("gen_ai.prompt.0.role", "user"), ("gen_ai.prompt.0.content", "what is on prod?"),
          ("gen_ai.prompt.1.role", "assistant"),
          ("gen_ai.prompt.1.tool_calls.0.id", "call_9"),
          ("gen_ai.prompt.1.tool_calls.0.name", "check_deployment_status"),
          ("gen_ai.prompt.2.role", "tool"), ("gen_ai.prompt.2.tool_call_id", "call_9"),
          ("gen_ai.prompt.2.content", "{\"status\":\"healthy\",\"tag\":\"v1.4.1\"}"),
          ("gen_ai.completion.0.role", "assistant"),
          ("gen_ai.completion.0.content", "Backend v1.4.1 is healthy on production."),
          ("gen_ai.usage.prompt_tokens", 80), ("gen_ai.usage.completion_tokens", 11),
        ]),
    ]
    let events = span(
      trace: "9a0b1c2d3e4f50617283940a1b2c3d4e", id: "3333333333333333", start: 20,
      attributes: [
        ("gen_ai.system", "anthropic"), ("gen_ai.request.model", "claude-3-5-haiku"),
        ("gen_ai.conversation.id", "conv-events"),
      ],
      events: [
        [
          "name": "gen_ai.user.message", "timeUnixNano": "1763632820000000000",
          "attributes": [attribute("content", "roll back the frontend")],
        ],
        [
          "name": "gen_ai.choice", "timeUnixNano": "1763632820800000000",
          "attributes": [
            attribute("index", 0), attribute("finish_reason", "tool_calls"),
            attribute(
              "message",
              json([
                "role": "assistant",
                "tool_calls": [
                  [
                    "id": "c1", "type": "function",
                    "function": [
                      "name": "request_clarification",
                      "arguments": "{\"question\":\"Which environment?\"}",
                    ],
                  ]
                ],
              ])),
          ],
        ],
      ])
    let http = span(
      trace: "0af7651916cd43dd8448eb211c80319c", id: "4444444444444444", start: 1,
      attributes: [("http.request.method", "GET"), ("url.full", "https://git.example/tags")],
      name: "GET /tags")
    return [
      "resourceSpans": [
        [
          "resource": ["attributes": [attribute("service.name", "deploybot")]],
          "scopeSpans": [
            [
              "scope": ["name": "opentelemetry.instrumentation.openai"],
              "spans": .array(current + [http]),
            ],
            ["scope": ["name": "legacy"], "spans": .array(deprecated + [events])],
          ],
        ]
      ]
    ]
  }()

  @Test func bothAttributeGenerationsImportIntoTheExpectedThreads() throws {
    let directory = try Support.temporaryDirectory()
    let file = directory + "/traces.json"
    try Self.document.canonicalString.write(toFile: file, atomically: true, encoding: .utf8)
    let database = try RefoldDatabase(path: directory + "/db.sqlite")
    let events = SQLiteEventStore(database: database)
    let cassette = SQLiteCassetteStore(database: database)

    let recording = SQLiteRecordingStore(database: database)
    let summary = try OTLPImporter().importFiles([file], into: recording)
    #expect(summary.modelCalls == 5)
    #expect(summary.threads == 3)
    #expect(summary.exchanges == 5)

    let current = try events.events(in: "conv-current")
    #expect(
      current.map(\.type) == [
        "user_input", "user_input", "list_git_tags", "list_git_tags_result", "deploy_backend",
      ])
    #expect(current[0].data == ["text": "You are deploybot.", "role": "system"])
    #expect(current[1].data == ["text": "deploy latest backend to staging"])
    #expect(current[3].data == ["tags": ["v1.4.2", "v1.4.1"]])
    #expect(current[3].meta?["tool_call_id"] == "call_1")
    #expect(current[4].data == ["tag": "v1.4.2", "environment": "staging"])

    let deprecated = try events.events(in: "5b8aa5a2d2c872e8321cf37308d69df2")
    #expect(
      deprecated.map(\.type) == [
        "user_input", "check_deployment_status", "check_deployment_status_result", "done_for_now",
      ])
    #expect(deprecated[1].data == ["service": "backend", "environment": "production"])
    #expect(deprecated[2].data == ["status": "healthy", "tag": "v1.4.1"])
    #expect(deprecated[3].data == ["message": "Backend v1.4.1 is healthy on production."])

    let fromEvents = try events.events(in: "conv-events")
    #expect(fromEvents.map(\.type) == ["user_input", "request_clarification"])
    #expect(fromEvents[1].data == ["question": "Which environment?"])

    // Each decision points at its call's exchange, with usage of either generation.
    let exchanges = try cassette.allExchanges()
    #expect(exchanges.count == 5)
    for decision in [current[2], current[4], deprecated[1], deprecated[3], fromEvents[1]] {
      let key = try #require(decision.meta?["exchange_key"]?.stringValue)
      #expect(try !cassette.exchanges(forKey: key).isEmpty)
    }
    let usages = Set(exchanges.compactMap(\.usage))
    #expect(usages.contains(TokenUsage(inputTokens: 120, outputTokens: 12)))
    #expect(usages.contains(TokenUsage(inputTokens: 50, outputTokens: 9)))
    #expect(exchanges.first { $0.thread == "conv-events" }?.provider == "anthropic")
    #expect(exchanges.first?.latencyMilliseconds == 850)

    // Importing the same file again adds nothing.
    let again = try OTLPImporter().importFiles([file], into: recording)
    #expect(again.written == 0)
    #expect(again.exchanges == 0)
    #expect(try cassette.allExchanges().count == 5)
  }

  @Test func aFileThatIsNotOTLPIsRefusedWithItsName() throws {
    #expect(
      throws: ServerError.invalidOTLP(
        file: "x.json", reason: "no resourceSpans or resourceLogs: not an OTLP JSON export")
    ) {
      try OTLPImporter().parse(["spans": []], file: "x.json")
    }
  }
}
