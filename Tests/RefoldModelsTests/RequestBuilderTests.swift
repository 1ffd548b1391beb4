import RefoldCore
import Testing

@testable import RefoldModels

@Suite struct RequestBuilderTests {
  func spec(
    provider: ModelSettings.Provider = .openai, mode: OutputMode,
    format: ContextFormatKind = .xmlTags
  ) throws -> AgentSpec {
    var spec = try Support.deploybot()
    spec.model.provider = provider
    spec.outputMode = mode
    spec.contextFormat = format
    spec.promptTemplate = "{{agent.name}}\n{{thread}}\n{{output_instructions}}"
    return spec
  }

  @Test func openAINextStepForcesOneFunctionWithTheUnionOfParameters() throws {
    let request = try RequestBuilder(spec: spec(mode: .nextStep)).request(
      thread: "deploy-001", events: Support.deployThread)
    let body = request.body
    #expect(body["model"] == "smollm2-135m-instruct")
    #expect(body["temperature"] == 0.0)
    #expect(body["seed"] == 42)
    #expect(body["max_tokens"] == 256)
    #expect(body["tool_choice"] == ["type": "function", "function": ["name": "next_step"]])
    let tools = try #require(body["tools"]?.arrayValue)
    #expect(tools.count == 1)
    let schema = try #require(tools[0]["function"]?["parameters"])
    #expect(schema["required"] == ["intent"])
    #expect(schema["additionalProperties"] == false)
    #expect(schema["properties"]?["intent"]?["enum"]?.arrayValue?.count == 9)
    #expect(schema["properties"]?["environment"]?["enum"] == ["staging", "production"])
    #expect(schema["properties"]?["suite"]?["enum"] == ["api", "ui", "full"])
    #expect(schema["properties"]?["to_tag"] != nil)
    let messages = try #require(body["messages"]?.arrayValue)
    #expect(messages.count == 1)
    #expect(messages[0]["role"] == "user")
    let prompt = try #require(messages[0]["content"]?.stringValue)
    #expect(prompt.hasPrefix("deploybot\n<slack_message>\n  channel: #deploys"))
    #expect(prompt.contains("<list_git_tags_result>\n  tags:\n    - v1.4.2"))
    #expect(prompt.hasSuffix("add that intent's parameters as further fields."))
    #expect(request.key == CassetteKey.key(for: body))
    #expect(request.renderedContext == prompt)
    #expect(request.thread == "deploy-001")
  }

  @Test func openAIToolsOfferOneFunctionPerIntentAndRequireACall() throws {
    let body = try RequestBuilder(spec: spec(mode: .tools)).request(
      thread: "t", events: Support.deployThread
    ).body
    #expect(body["tool_choice"] == "required")
    let names = body["tools"]?.arrayValue?.compactMap { $0["function"]?["name"]?.stringValue }
    #expect(names?.first == "list_git_tags")
    #expect(names?.count == 9)
    let deploy = body["tools"]?.arrayValue?[1]["function"]
    #expect(deploy?["parameters"]?["required"] == ["tag", "environment"])
    #expect(deploy?["description"]?.stringValue?.hasPrefix("Deploy a tagged release") == true)
  }

  @Test func openAIJSONAsksForAJSONObjectWithTheSchema() throws {
    let body = try RequestBuilder(spec: spec(mode: .json)).request(
      thread: "t", events: Support.deployThread
    ).body
    #expect(body["tools"] == nil)
    #expect(body["response_format"]?["type"] == "json_object")
    #expect(body["response_format"]?["schema"]?["required"] == ["intent"])
  }

  @Test func anthropicBodiesUseInputSchemaAndToolChoice() throws {
    let tools = try RequestBuilder(spec: spec(provider: .anthropic, mode: .tools)).request(
      thread: "t", events: Support.deployThread
    ).body
    #expect(tools["tool_choice"] == ["type": "any"])
    #expect(tools["seed"] == nil)
    #expect(
      tools["tools"]?.arrayValue?[0]["input_schema"] == ["type": "object", "properties": [:]])
    let next = try RequestBuilder(spec: spec(provider: .anthropic, mode: .nextStep)).request(
      thread: "t", events: Support.deployThread
    ).body
    #expect(next["tool_choice"] == ["type": "tool", "name": "next_step"])
    let json = try RequestBuilder(spec: spec(provider: .anthropic, mode: .json)).request(
      thread: "t", events: Support.deployThread
    ).body
    #expect(json["tools"] == nil)
    let prompt = json["messages"]?.arrayValue?[0]["content"]?.arrayValue?[0]["text"]?.stringValue
    #expect(json["messages"]?.arrayValue?[0]["role"] == "user")
    #expect(prompt?.contains("The object must match this JSON schema: {") == true)
  }

  @Test func chatMessagesBecomeTheOpenAIMessagesArray() throws {
    let request = try RequestBuilder(spec: spec(mode: .tools, format: .chatMessages)).request(
      thread: "deploy-001", events: Support.deployThread)
    let messages = try #require(request.body["messages"]?.arrayValue)
    let id = ContextFormat.toolCallID(thread: "deploy-001", seq: 1)
    #expect(
      messages.map { $0["role"]?.stringValue ?? "" } == ["system", "user", "assistant", "tool"])
    #expect(messages[0]["content"]?.stringValue?.hasPrefix("deploybot\n\n") == true)
    #expect(
      messages[2]
        == [
          "role": "assistant", "content": nil,
          "tool_calls": [
            [
              "id": .string(id), "type": "function",
              "function": ["name": "list_git_tags", "arguments": "{}"],
            ]
          ],
        ])
    #expect(
      messages[3]
        == [
          "role": "tool", "tool_call_id": .string(id),
          "content": #"{"tags":["v1.4.2","v1.4.1","v1.3.0"]}"#,
        ])
  }

  @Test func nextStepHistoriesShowPastDecisionsAsNextStepCalls() throws {
    let request = try RequestBuilder(spec: spec(mode: .nextStep, format: .chatMessages)).request(
      thread: "deploy-001", events: Support.deployThread)
    let call = request.body["messages"]?.arrayValue?[2]["tool_calls"]?.arrayValue?[0]["function"]
    #expect(call == ["name": "next_step", "arguments": #"{"intent":"list_git_tags"}"#])
  }

  @Test func chatMessagesBecomeAnthropicBlocksWithSystemOnTop() throws {
    let request = try RequestBuilder(
      spec: spec(provider: .anthropic, mode: .tools, format: .chatMessages)
    ).request(thread: "deploy-001", events: Support.deployThread)
    let body = request.body
    let id = ContextFormat.toolCallID(thread: "deploy-001", seq: 1)
    #expect(body["system"]?.stringValue?.hasPrefix("deploybot") == true)
    let messages = try #require(body["messages"]?.arrayValue)
    #expect(messages.count == 3)
    #expect(
      messages[1]
        == [
          "role": "assistant",
          "content": [
            ["type": "tool_use", "id": .string(id), "name": "list_git_tags", "input": [:]]
          ],
        ])
    #expect(
      messages[2]
        == [
          "role": "user",
          "content": [
            [
              "type": "tool_result", "tool_use_id": .string(id),
              "content": #"{"tags":["v1.4.2","v1.4.1","v1.3.0"]}"#,
            ]
          ],
        ])
  }

  @Test func theSameThreadGivesTheSameKeyAndAChangedPromptAnother() throws {
    let builder = try RequestBuilder(spec: spec(mode: .nextStep))
    let first = try builder.request(thread: "a", events: Support.deployThread)
    let second = try builder.request(thread: "b", events: Support.deployThread)
    #expect(first.key == second.key)
    var changed = try spec(mode: .nextStep)
    changed.promptTemplate += "\nBe brief."
    let third = try RequestBuilder(spec: changed).request(thread: "a", events: Support.deployThread)
    #expect(third.key != first.key)
  }
}
