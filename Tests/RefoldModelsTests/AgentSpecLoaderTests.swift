import Foundation
import RefoldCore
import Testing

@testable import RefoldModels

@Suite struct AgentSpecLoaderTests {
  /// A minimal valid spec; tests replace lines to break it.
  static let minimal = """
    name: bot
    model:
      provider: anthropic
      name: claude-3-5-haiku-20241022
      api_key_env: ANTHROPIC_API_KEY
      temperature: 0.2
    prompt: p.mustache
    output_mode: tools
    intents:
      deploy_backend:
        kind: approval
        description: Deploy.
        params:
          type: object
          required: [tag]
          properties:
            tag: {type: string, maxLength: 20}
      done_for_now:
        kind: terminal
    aliases:
      deploy: deploy_backend
    error_policy: {cap: 2, count: per_intent, escalation: model}
    step_budget: 12
    """

  func load(
    _ yaml: String, environment: [String: String] = [:], override: String? = nil,
    template: String = "{{thread}}"
  ) throws(AgentSpecError) -> AgentSpec {
    try AgentSpecLoader(environment: environment, baseURLOverride: override).load(
      yaml: yaml, file: "agent.yaml"
    ) { path throws(AgentSpecError) in (template, path) }
  }

  func failure(_ yaml: String, template: String = "{{thread}}") -> AgentSpecError? {
    do {
      _ = try load(yaml, template: template)
      return nil
    } catch {
      return error
    }
  }

  @Test func loadsTheDeployBotSpec() throws {
    let spec = try Support.deploybot()
    #expect(spec.name == "deploybot")
    #expect(spec.model.provider == .openai)
    #expect(spec.model.name == "smollm2-135m-instruct")
    #expect(spec.model.baseURL == "http://127.0.0.1:8088/v1")
    #expect(spec.model.temperature == 0)
    #expect(spec.model.seed == 42)
    #expect(spec.model.maxTokens == 256)
    #expect(spec.outputMode == .nextStep)
    #expect(spec.contextFormat == .xmlTags)
    #expect(
      spec.intents.map(\.name) == [
        "list_git_tags", "deploy_backend", "deploy_frontend", "rollback_backend",
        "check_deployment_status", "run_smoke_tests", "request_clarification",
        "request_human_input", "done_for_now",
      ])
    #expect(spec.intent(named: "deploy_backend")?.kind == .approval)
    #expect(spec.intent(named: "done_for_now")?.kind == .terminal)
    #expect(
      spec.intent(named: "deploy_backend")?.parameters["properties"]?["environment"]?["enum"]
        == ["staging", "production"])
    #expect(spec.policy == ControlPolicy(errorCap: 3, stepBudget: 20))
    #expect(spec.promptPath?.hasSuffix("evals/deploybot/prompts/default.mustache") == true)
  }

  @Test func readsEveryField() throws {
    let spec = try load(Self.minimal)
    #expect(spec.model.provider == .anthropic)
    #expect(spec.model.apiKeyEnvironment == "ANTHROPIC_API_KEY")
    #expect(spec.model.temperature == 0.2)
    #expect(spec.outputMode == .tools)
    #expect(spec.contextFormat == .xmlTags)
    #expect(spec.aliases == ["deploy": "deploy_backend"])
    #expect(
      spec.policy
        == ControlPolicy(
          errorCap: 2, countsErrorsPerIntent: true, escalation: .model, stepBudget: 12))
    #expect(
      spec.intent(named: "done_for_now")?.parameters == ["type": "object", "properties": [:]])
  }

  @Test func intentsNameTheirToolCommands() throws {
    let yaml = Self.minimal.replacingOccurrences(
      of: "    description: Deploy.\n",
      with: "    description: Deploy.\n    command: [./deploy.sh, --backend]\n    timeout: 120\n"
    ).replacingOccurrences(
      of: "    kind: terminal", with: "    kind: terminal\n    command: echo '{}' | cat")
    let spec = try load(yaml)
    #expect(spec.intent(named: "deploy_backend")?.command == ["./deploy.sh", "--backend"])
    #expect(spec.intent(named: "deploy_backend")?.timeout == 120)
    #expect(spec.intent(named: "done_for_now")?.command == ["/bin/sh", "-c", "echo '{}' | cat"])
    #expect(spec.intent(named: "done_for_now")?.timeout == nil)

    let empty = try #require(
      failure(
        Self.minimal.replacingOccurrences(
          of: "    kind: terminal", with: "    kind: terminal\n    command: []")))
    #expect(empty.path == "intents.done_for_now.command")
    #expect(empty.line == 20)
    let negative = try #require(
      failure(
        Self.minimal.replacingOccurrences(
          of: "    kind: terminal", with: "    kind: terminal\n    command: x\n    timeout: -1")))
    #expect(negative.path == "intents.done_for_now.timeout")
  }

  @Test func baseURLComesFromTheFlagThenTheEnvironmentThenTheFile() throws {
    let yaml = Self.minimal.replacingOccurrences(
      of: "  temperature: 0.2", with: "  temperature: 0.2\n  base_url: http://file:1/v1")
    #expect(try load(yaml).model.baseURL == "http://file:1/v1")
    let environment = ["REFOLD_BASE_URL": "http://env:2/v1"]
    #expect(try load(yaml, environment: environment).model.baseURL == "http://env:2/v1")
    #expect(
      try load(yaml, environment: environment, override: "http://flag:3/v1").model.baseURL
        == "http://flag:3/v1")
  }

  @Test(arguments: [
    (
      "tag: {type: string, maxLength: 20}", "tag: {type: strin, maxLength: 20}",
      "intents.deploy_backend.params.properties.tag.type", 17
    ),
    ("step_budget: 12", "step_budjet: 12", "step_budjet", 23),
    ("kind: approval", "kind: approve", "intents.deploy_backend.kind", 11),
    ("temperature: 0.2", "temperature: hot", "model.temperature", 6),
    ("temperature: 0.2", "api_key: sk-live-123", "model.api_key", 6),
    (
      "required: [tag]", "required: [tags]",
      "intents.deploy_backend.params.required[0]", 15
    ),
    (
      "error_policy: {cap: 2, count: per_intent, escalation: model}",
      "error_policy: {cap: 2, count: each, escalation: model}", "error_policy.count", 22
    ),
    ("deploy: deploy_backend", "deploy: deploy_everything", "aliases.deploy", 21),
    (
      "description: Deploy.", "descripton: Deploy.",
      "intents.deploy_backend.descripton", 12
    ),
  ])
  func reportsEachMistakeWithItsPathAndLine(
    original: String, replacement: String, path: String, line: Int
  ) throws {
    #expect(Self.minimal.contains(original))
    let error = try #require(
      failure(Self.minimal.replacingOccurrences(of: original, with: replacement)))
    #expect(error.path == path)
    #expect(error.line == line)
    #expect(error.file == "agent.yaml")
    #expect(error.description.hasPrefix("agent.yaml:\(line): \(path): "))
  }

  @Test func suggestsTheKeyATypoMeant() throws {
    let error = try #require(
      failure(Self.minimal.replacingOccurrences(of: "step_budget", with: "step_budjet")))
    #expect(error.message.contains("did you mean step_budget?"))
  }

  @Test func neverReadsAPIKeysFromTheFile() throws {
    let yaml = Self.minimal.replacingOccurrences(
      of: "  temperature: 0.2", with: "  temperature: 0.2\n  api_key: sk-secret")
    let error = try #require(failure(yaml))
    #expect(error.path == "model.api_key")
    #expect(error.message.contains("api_key_env"))
  }

  @Test func missingRequiredFieldsAreNamed() throws {
    let error = try #require(
      failure(Self.minimal.replacingOccurrences(of: "prompt: p.mustache\n", with: "")))
    #expect(error.path == "prompt")
    #expect(error.message == "is required but missing")
  }

  @Test func invalidYAMLIsReportedWithTheFile() throws {
    let error = try #require(failure("name: [unclosed"))
    #expect(error.file == "agent.yaml")
    #expect(error.message.hasPrefix("invalid YAML at 2:1: "), "\(error.message)")
    #expect(error.message.hasSuffix("did not find expected ',' or ']'"), "\(error.message)")
    #expect(!error.description.contains("\n"))
  }

  @Test func aTemplateNamingAnUnknownVariableFailsTheLoad() throws {
    let error = try #require(failure(Self.minimal, template: "Hello\n{{tread}}"))
    #expect(error.file == "p.mustache")
    #expect(error.line == 2)
    #expect(error.message.contains("unknown variable \"tread\""))
  }

  @Test func aMissingPromptFileIsAnError() throws {
    let directory = try Support.temporaryDirectory()
    let path = directory + "/agent.yaml"
    try Self.minimal.write(toFile: path, atomically: true, encoding: .utf8)
    #expect(throws: AgentSpecError.self) { try AgentSpecLoader(environment: [:]).load(path: path) }
    try "{{thread}}".write(toFile: directory + "/p.mustache", atomically: true, encoding: .utf8)
    let spec = try AgentSpecLoader(environment: [:]).load(path: path)
    #expect(spec.promptTemplate == "{{thread}}")
  }
}

@Suite struct AgentSpecLoaderFileTests {
  /// The deploy-bot spec with one line replaced, loaded from a file beside its prompts.
  func loadDeploybot(replacing original: String, with replacement: String) throws -> AgentSpecError?
  {
    let text = try String(contentsOfFile: Support.deploybotPath, encoding: .utf8)
    #expect(text.contains(original))
    let directory = try Support.temporaryDirectory()
    try FileManager.default.createDirectory(
      atPath: directory + "/prompts", withIntermediateDirectories: true)
    let prompt = Support.packageRoot + "/evals/deploybot/prompts/default.mustache"
    try FileManager.default.copyItem(
      atPath: prompt, toPath: directory + "/prompts/default.mustache")
    let path = directory + "/agent.yaml"
    try text.replacingOccurrences(of: original, with: replacement).write(
      toFile: path, atomically: true, encoding: .utf8)
    do {
      _ = try AgentSpecLoader(environment: [:]).load(path: path)
      return nil
    } catch {
      return error
    }
  }

  @Test func theDocumentedMessagesAreTheRealOnes() throws {
    let typo = try #require(
      try loadDeploybot(replacing: "step_budget: 20", with: "step_budjet: 20"))
    #expect(
      typo.description.hasSuffix(
        "agent.yaml:130: step_budjet: unknown key (did you mean step_budget?); expected one of "
          + "aliases, context_format, error_policy, hide_resolved_errors, intents, model, name, "
          + "output_mode, prompt, step_budget"))
    let type = try #require(
      try loadDeploybot(
        replacing: "        tag:\n          type: string",
        with: "        tag:\n          type: strin"))
    #expect(
      type.description.hasSuffix(
        "agent.yaml:29: intents.deploy_backend.params.properties.tag.type: expected one of "
          + "array, boolean, integer, null, number, object, string, found \"strin\""))
  }
}

@Suite struct YAMLNodeTests {
  func node(_ yaml: String, file: String) throws -> YAMLNode {
    try #require(try YAMLNode.parse(yaml, file: file))
  }

  @Test func aPatchMergesMapsReplacesTheRestAndRemovesNulls() throws {
    let base = try node("a: {x: 1, y: [1, 2]}\nb: keep\nc: drop\n", file: "base.yaml")
    let patch = try node("a: {y: [3]}\nc: ~\nd: new\n", file: "patch.yaml")
    let merged = base.merging(patch)
    #expect(merged.json == ["a": ["x": 1, "y": [3]], "b": "keep", "d": "new"])
    #expect(merged.entries?.map(\.key) == ["a", "b", "d"])
    #expect(merged["a"]?["x"]?.location == YAMLLocation(file: "base.yaml", line: 1, path: "a.x"))
    #expect(merged["a"]?["y"]?.location == YAMLLocation(file: "patch.yaml", line: 1, path: "a.y"))
    #expect(
      throws: YAMLProblem(
        file: "patch.yaml", line: 3, path: "d", message: "expected an integer, found \"new\"")
    ) {
      try merged.required("d").int()
    }
  }

  @Test func duplicateKeysAreRefusedAndAliasesResolve() throws {
    do {
      _ = try YAMLNode.parse("a: 1\na: 2\n", file: "f.yaml")
      Issue.record("a duplicate key was accepted")
    } catch {
      #expect(error.file == "f.yaml")
      #expect(error.line == 2, "\(error)")
      #expect(
        error.message == "duplicate key \"a\"; each key may appear once in a mapping", "\(error)")
    }
    #expect(try node("a: &x 1\nb: *x\n", file: "f.yaml").json == ["a": 1, "b": 1])
  }
}
