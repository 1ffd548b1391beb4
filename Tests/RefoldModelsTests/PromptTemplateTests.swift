import RefoldCore
import Testing

@testable import RefoldModels

@Suite struct PromptTemplateTests {
  let values = PromptValues(
    thread: "<slack_message>\n  text: ship it & go\n</slack_message>",
    intents: [
      IntentSpec(name: "list_git_tags", kind: .sync, description: "List tags."),
      IntentSpec(
        name: "done_for_now", kind: .terminal, description: "Finish.",
        parameters: ["type": "object", "properties": ["message": ["type": "string"]]]),
    ],
    outputInstructions: "Call next_step.", agentName: "deploybot")

  @Test func rendersEveryVariableWithoutEscaping() throws {
    let template = try PromptTemplate(
      """
      I am {{agent.name}}.
      {{#intents}}
      - {{name}} [{{kind}}] {{description}} {{params}}
      {{/intents}}
      {{thread}}
      {{{output_instructions}}}
      """)
    let expected = """
      I am deploybot.
      - list_git_tags [sync] List tags. {"properties":{},"type":"object"}
      - done_for_now [terminal] Finish. {"properties":{"message":{"type":"string"}},"type":"object"}
      <slack_message>
        text: ship it & go
      </slack_message>
      Call next_step.
      """
    #expect(try template.render(values) == expected)
  }

  @Test(arguments: [
    ("{{thread}}\n{{bogus}}", 2, "bogus"),
    ("{{#intents}}{{nmae}}{{/intents}}", 1, "nmae"),
    ("{{agent.title}}", 1, "agent.title"),
    ("{{#agent}}{{description}}{{/agent}}", 1, "description"),
    ("line\n\n{{^intents}}{{missing}}{{/intents}}", 3, "missing"),
  ])
  func unknownVariablesAreErrorsWithTheirLine(text: String, line: Int, name: String) throws {
    let error = try #require(throws: AgentSpecError.self) {
      try PromptTemplate(text, path: "prompts/x.mustache")
    }
    #expect(error.file == "prompts/x.mustache")
    #expect(error.line == line)
    #expect(error.message.contains("unknown variable \"\(name)\""))
  }

  @Test func anUnknownNameInASectionThatRendersNothingIsStillAnError() {
    // With no intents the section renders nothing, yet the name is checked.
    #expect(throws: AgentSpecError.self) { try PromptTemplate("{{#intents}}{{x}}{{/intents}}") }
  }

  @Test func namesFromOuterScopesResolveInsideSections() throws {
    let template = try PromptTemplate("{{#intents}}{{agent.name}}:{{name}} {{/intents}}")
    #expect(try template.render(values) == "deploybot:list_git_tags deploybot:done_for_now ")
  }

  @Test func changedDelimitersAreFollowed() throws {
    let template = try PromptTemplate("{{=<% %>=}}<% agent.name %> {{literal}}")
    #expect(try template.render(values) == "deploybot {{literal}}")
    #expect(throws: AgentSpecError.self) { try PromptTemplate("{{=<% %>=}}<% nope %>") }
  }

  @Test func syntaxErrorsAndPartialsAreRefused() {
    #expect(throws: AgentSpecError.self) { try PromptTemplate("{{#intents}}unclosed") }
    #expect(throws: AgentSpecError.self) { try PromptTemplate("{{> header}}") }
    #expect(throws: AgentSpecError.self) { try PromptTemplate("{{thread") }
  }

  @Test func theDeployBotPromptsRender() throws {
    let spec = try Support.deploybot()
    for name in ["default", "concise"] {
      let path = Support.packageRoot + "/evals/deploybot/prompts/\(name).mustache"
      let text = try String(contentsOfFile: path, encoding: .utf8)
      let rendered = try PromptTemplate(text, path: path).render(
        PromptValues(
          thread: "<slack_message>\n</slack_message>", intents: spec.intents,
          outputInstructions: "ANSWER", agentName: spec.name))
      #expect(rendered.contains("deploybot"))
      #expect(rendered.contains("rollback_backend"))
      #expect(rendered.contains("ANSWER"))
      #expect(rendered.contains("<slack_message>"))
    }
  }

  @Test func aPreparedTemplateSplicesTheThreadInByteForByte() throws {
    let spec = try Support.deploybot()
    for name in ["default", "concise"] {
      let path = Support.packageRoot + "/evals/deploybot/prompts/\(name).mustache"
      let template = try PromptTemplate(String(contentsOfFile: path, encoding: .utf8), path: path)
      var values = PromptValues(
        thread: "", intents: spec.intents, outputInstructions: "ANSWER", agentName: spec.name)
      let prepared = try #require(template.prepared(values))
      for thread in ["", "<slack_message>\n  text: {{agent.name}} & \"ünï\"\n</slack_message>"] {
        values.thread = thread
        #expect(prepared.render(thread: thread) == (try template.render(values)))
      }
    }
  }

  @Test(arguments: [
    "{{#thread}}[{{.}}]{{/thread}}{{^thread}}no thread{{/thread}}",
    "{{uppercased(thread)}}",
    "{{#intents}}{{name}}{{/intents}} {{&lowercased(thread)}}",
  ])
  func aTemplateThatDependsOnTheThreadIsNotPrepared(text: String) throws {
    let template = try PromptTemplate(text)
    #expect(template.prepared(values) == nil)
  }
}
