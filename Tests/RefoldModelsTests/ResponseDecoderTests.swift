import RefoldCore
import RefoldTesting
import Testing

@testable import RefoldModels

@Suite struct ResponseDecoderTests {
  func decoder(_ mode: OutputMode = .tools) throws -> ResponseDecoder {
    var spec = try Support.deploybot()
    spec.outputMode = mode
    spec.aliases = ["deploy": "deploy_backend"]
    return ResponseDecoder(spec: spec)
  }

  let deploy = Intent(
    name: "deploy_backend", parameters: ["tag": "v1.4.2", "environment": "production"])

  @Test func openAIToolCallWithStringArguments() throws {
    let response = ProviderResponses.openAIToolCall(
      name: "deploy_backend", arguments: #"{"tag":"v1.4.2","environment":"production"}"#)
    #expect(try decoder().decode(response) == .intent(deploy))
  }

  @Test func openAINextStepCallDropsFieldsOfOtherIntents() throws {
    let response = ProviderResponses.openAIToolCall(
      name: "next_step",
      arguments:
        #"{"intent":"deploy_backend","tag":"v1.4.2","environment":"production","suite":"api"}"#)
    #expect(try decoder(.nextStep).decode(response) == .intent(deploy))
  }

  @Test func localServerVariants() throws {
    // llama.cpp-style: no id, legacy function_call alongside, object arguments.
    let legacy: JSONValue = [
      "choices": [
        [
          "message": [
            "role": "assistant", "content": nil,
            "function_call": ["name": "next_step", "arguments": #"{"intent": "list_git_tags"}"#],
          ],
          "finish_reason": "function_call",
        ]
      ]
    ]
    #expect(try decoder(.nextStep).decode(legacy) == .intent(Intent(name: "list_git_tags")))
    let flat: JSONValue = [
      "choices": [
        [
          "message": [
            "role": "assistant",
            "tool_calls": [
              ["name": "deploy", "arguments": ["tag": "v1.4.2", "environment": "production"]]
            ],
          ],
          "finish_reason": "stop",
        ]
      ]
    ]
    #expect(try decoder().decode(flat) == .intent(deploy))
    let noID = ProviderResponses.openAIToolCall(name: "list_git_tags", arguments: "", id: nil)
    #expect(try decoder().decode(noID) == .intent(Intent(name: "list_git_tags")))
  }

  @Test func jsonContentPossiblyFenced() throws {
    let fenced = ProviderResponses.openAIContent(
      "```json\n{\"intent\": \"deploy_backend\", \"parameters\": {\"tag\": \"v1.4.2\", \"environment\": \"production\"}}\n```"
    )
    #expect(try decoder(.json).decode(fenced) == .intent(deploy))
    let chatty = ProviderResponses.openAIContent(
      #"Sure! {"intent":"done_for_now","message":"Deployed v1.4.2."} Hope that helps."#)
    #expect(
      try decoder(.json).decode(chatty)
        == .intent(Intent(name: "done_for_now", parameters: ["message": "Deployed v1.4.2."])))
  }

  @Test func anthropicToolUseAndText() throws {
    let use = ProviderResponses.anthropicToolUse(
      name: "deploy_backend", input: ["tag": "v1.4.2", "environment": "production"])
    #expect(try decoder().decode(use) == .intent(deploy))
    let text = ProviderResponses.anthropicText(#"{"intent":"list_git_tags"}"#)
    #expect(try decoder(.json).decode(text) == .intent(Intent(name: "list_git_tags")))
  }

  static let failureCases: [(JSONValue, String)] = [
    (
      ProviderResponses.openAIToolCall(name: "deploy_everything", arguments: "{}"),
      "unknown intent \"deploy_everything\" (expected one of list_git_tags, deploy_backend"
    ),
    (
      ProviderResponses.openAIToolCall(
        name: "deploy_backend", arguments: #"{"tag":"v1.4.2","environment":"prod"#),
      "invalid JSON in the arguments of deploy_backend (column 36: "
    ),
    (
      ProviderResponses.openAIToolCall(
        name: "deploy_backend", arguments: #"{"tag":"v1.4.2","environment":"prod"}"#),
      "invalid parameters for deploy_backend: environment: expected one of \"staging\", \"production\", found \"prod\""
    ),
    (
      ProviderResponses.openAIToolCall(
        name: "deploy_backend", arguments: #"{"environment":"staging"}"#),
      "invalid parameters for deploy_backend: tag: is required but missing"
    ),
    (
      ProviderResponses.openAIContent("I think we should deploy."),
      "invalid JSON in the answer (column 1: "
    ),
    (
      JSONValue.object(["error": ["message": "model overloaded", "type": "server_error"]]),
      "the provider returned an error: model overloaded"
    ),
  ]

  @Test(arguments: failureCases)
  func failuresAreCompactMessages(response: JSONValue, prefix: String) throws {
    let outcome = try decoder().decode(response)
    guard case .failure(let message) = outcome else {
      Issue.record("expected a failure, got \(outcome)")
      return
    }
    #expect(message.hasPrefix(prefix), "\(message)")
    #expect(!message.contains("\n"))
  }

  @Test func nextStepFailuresNameTheFieldsThatWereIgnored() throws {
    let response = ProviderResponses.openAIToolCall(
      name: "next_step", arguments: #"{"intent":"deploy_backend","message":"deploying now"}"#)
    #expect(
      try decoder(.nextStep).decode(response)
        == .failure(
          "invalid parameters for deploy_backend: tag: is required but missing; "
            + "environment: is required but missing (ignored fields deploy_backend does not declare: message)"
        ))
  }

  @Test func nextStepFailures() throws {
    let noIntent = ProviderResponses.openAIToolCall(name: "next_step", arguments: #"{"tag":"v1"}"#)
    #expect(
      try decoder(.nextStep).decode(noIntent)
        == .failure("the answer names no intent (\"intent\" is missing)"))
    let prose = ProviderResponses.openAIContent("Let me list the tags.")
    guard case .failure(let message) = try decoder(.json).decode(prose) else {
      Issue.record("prose must not decode")
      return
    }
    #expect(message.hasPrefix("invalid JSON in the answer"))
  }
}
