import Foundation
import RefoldCore
import RefoldModels
import Testing

@testable import RefoldEval

/// A suite directory in a temporary folder: `evals/deploybot/` with an agent file, a prompt,
/// and fixtures two levels up, like the repository lays them out.
private struct SuiteFolder {
  let root: URL
  var suiteDirectory: URL { root.appendingPathComponent("evals/deploybot") }

  init() throws {
    root = try temporaryDirectory()
    let manager = FileManager.default
    try manager.createDirectory(
      at: suiteDirectory.appendingPathComponent("prompts"), withIntermediateDirectories: true)
    let fixtures = root.appendingPathComponent("fixtures/deploybot/threads")
    try manager.createDirectory(at: fixtures, withIntermediateDirectories: true)
    try write("evals/deploybot/agent.yaml", agentYAML)
    try write("evals/deploybot/prompts/default.mustache", "{{thread}}")
    try write("evals/deploybot/prompts/concise.mustache", "Be brief.\n{{thread}}\n")
    for name in ["deploy-001", "deploy-002"] {
      let lines = happyThread(name).map(\.jsonLine).joined(separator: "\n")
      try write("fixtures/deploybot/threads/\(name).jsonl", lines + "\n")
    }
    try write("fixtures/deploybot/threads/notes.txt", "not a fixture\n")
  }

  func write(_ relative: String, _ text: String) throws {
    try text.write(to: root.appendingPathComponent(relative), atomically: true, encoding: .utf8)
  }

  func load(_ suiteYAML: String) throws -> Suite {
    try write("evals/deploybot/suite.yaml", suiteYAML)
    return try SuiteLoader(loadAgent: {
      try AgentSpecLoader(environment: [:]).load(path: $0, patch: $1)
    }).load(suiteDirectory.path)
  }

  /// The error loading `suiteYAML` throws, as text.
  func failure(_ suiteYAML: String) -> String {
    do {
      _ = try load(suiteYAML)
      return "no error"
    } catch {
      return String(describing: error)
    }
  }

  func remove() { try? FileManager.default.removeItem(at: root) }
}

/// The deploy-bot agent of ``deploySpec``, as a file.
private let agentYAML = """
  name: deploybot
  model: {name: test-model}
  prompt: prompts/default.mustache
  intents:
  """ + deployIntents.map { "\n  \($0.name): {kind: \($0.kind.rawValue)}" }.joined() + "\n"

private let validSuite = """
  agent: agent.yaml
  variants:
    baseline: {}
    concise:
      prompt: prompts/concise.mustache
      context_format: json-events
      output_mode: next-step
      model: {name: small-model, temperature: 0, base_url: "http://127.0.0.1:8080/v1"}
  fixtures:
    - ../../fixtures/deploybot/threads/*.jsonl
  expectations:
    - thread: deploy-001
      steps:
        - step: 1
          parameters:
            tag: {regex: "v1\\\\.4\\\\..*"}
      faults:
        - {intent: deploy_backend, fails: 2, message: connection refused}
      behaviour: {retries_at_most: 2, escalates: false}
  cassette: ../../fixtures/deploybot/cassettes/{variant}.jsonl
  modes: [step, loop]
  thresholds: {min_intent_accuracy: 0.8, max_regression_p: 0.01}
  redaction:
    - {path: data.text, pattern: "@[a-z]+"}
  """

@Suite struct SuiteLoaderTests {
  @Test func loadsAValidSuite() throws {
    let folder = try SuiteFolder()
    defer { folder.remove() }
    let suite = try folder.load(validSuite)
    #expect(suite.name == "deploybot")
    #expect(suite.variants.map(\.name) == ["baseline", "concise"])
    #expect(
      suite.fixtureFiles.map { ($0 as NSString).lastPathComponent } == [
        "deploy-001.jsonl", "deploy-002.jsonl",
      ])
    #expect(suite.modes == [.step, .loop])
    #expect(suite.thresholds == Thresholds(minIntentAccuracy: 0.8, maxRegressionP: 0.01))
    #expect(suite.redaction.count == 1)
    let concise = try #require(suite.variant(named: "concise"))
    #expect(
      suite.cassettePath(for: concise)?.hasSuffix("fixtures/deploybot/cassettes/concise.jsonl")
        == true)
    let spec = suite.spec(for: concise)
    #expect(spec.contextFormat == .jsonEvents)
    #expect(spec.outputMode == .nextStep)
    #expect(spec.promptTemplate == "Be brief.\n{{thread}}\n")
    #expect(spec.model.name == "small-model")
    #expect(spec.model.temperature == 0)
    #expect(spec.model.baseURL == "http://127.0.0.1:8080/v1")
    #expect(spec.intents == deploySpec.intents)
    let baseline = try #require(suite.variant(named: "baseline"))
    #expect(suite.spec(for: baseline) == suite.agent)
    #expect(suite.agent.intents == deploySpec.intents)
    #expect(suite.agent.promptTemplate == "{{thread}}")
    let expectation = suite.expectations.forThread("deploy-001")
    #expect(expectation.step(1, seq: 3)?.parameters["tag"] == .regex(#"v1\.4\..*"#))
    #expect(
      expectation.faults == [
        ToolFault(intent: "deploy_backend", fails: 2, message: "connection refused")
      ])
    #expect(expectation.behaviour == BehaviourExpectation(retriesAtMost: 2, escalates: false))
    #expect(suite.expectations.forThread("deploy-002").steps.isEmpty)
    let threads = try suite.loadThreads()
    #expect(threads.map { $0[0].thread } == ["deploy-001", "deploy-002"])
    #expect(threads[0] == happyThread("deploy-001"))
  }

  @Test func variantsMayNarrowTheModes() throws {
    let folder = try SuiteFolder()
    defer { folder.remove() }
    let suite = try folder.load(
      """
      agent: agent.yaml
      variants:
        baseline: {}
        cheap: {modes: [step]}
      fixtures: [../../fixtures/deploybot/threads/*.jsonl]
      modes: [step, loop]
      """)
    let baseline = try #require(suite.variant(named: "baseline"))
    let cheap = try #require(suite.variant(named: "cheap"))
    #expect(suite.modes(for: baseline) == [.step, .loop])
    #expect(suite.modes(for: cheap) == [.step])
    let failure = folder.failure(
      """
      agent: agent.yaml
      variants: {cheap: {modes: [sideways]}}
      fixtures: [../../fixtures/deploybot/threads/*.jsonl]
      """)
    #expect(failure.contains("variants.cheap.modes[0]: expected one of step, loop"))
  }

  @Test func aVariantPatchesAnyFieldOfTheAgentDocument() throws {
    let folder = try SuiteFolder()
    defer { folder.remove() }
    let suite = try folder.load(
      """
      agent: agent.yaml
      variants:
        strict:
          description: fewer steps, errors per intent, a described tool
          step_budget: 5
          error_policy: {cap: 1, count: per_intent}
          hide_resolved_errors: true
          intents: {list_git_tags: {description: Lists the tags.}, done_for_now: ~}
          model: small-model
      fixtures: [../../fixtures/deploybot/threads/*.jsonl]
      """)
    let strict = try #require(suite.variant(named: "strict"))
    #expect(strict.description == "fewer steps, errors per intent, a described tool")
    let spec = suite.spec(for: strict)
    #expect(spec.policy.stepBudget == 5)
    #expect(spec.policy.errorCap == 1)
    #expect(spec.policy.countsErrorsPerIntent)
    #expect(spec.hidesResolvedErrors)
    #expect(spec.model == ModelSettings(name: "small-model"))
    #expect(spec.intent(named: "list_git_tags")?.description == "Lists the tags.")
    #expect(spec.intent(named: "list_git_tags")?.kind == .sync)
    // A null removes what the agent had.
    #expect(spec.intent(named: "done_for_now") == nil)
    #expect(spec.intents.count == deployIntents.count - 1)
    // The agent itself is untouched.
    #expect(suite.agent.policy == ControlPolicy.default)
    #expect(suite.agent.intents == deployIntents)
  }

  @Test func aVariantsMistakeIsReportedWhereTheVariantWroteIt() throws {
    let folder = try SuiteFolder()
    defer { folder.remove() }
    let failure = folder.failure(
      """
      agent: agent.yaml
      variants:
        hot:
          model: {temperature: 5}
      fixtures: [../../fixtures/deploybot/threads/*.jsonl]
      """)
    #expect(
      failure.hasSuffix(
        "suite.yaml:4: variants.hot.model.temperature: expected a number from 0 to 2, found 5"),
      "\(failure)")
  }

  @Test func expectationsFromAFile() throws {
    let folder = try SuiteFolder()
    defer { folder.remove() }
    try folder.write(
      "evals/deploybot/expectations.yaml",
      """
      expectations:
        - thread: "deploy-*"
          steps:
            - {seq: 8, parameters: {message: any}}
      """)
    let suite = try folder.load(
      "agent: agent.yaml\nfixtures: ../../fixtures/deploybot/threads/*.jsonl\n"
        + "expectations: expectations.yaml\n")
    #expect(suite.variants.map(\.name) == ["default"])
    #expect(suite.modes == [.step])
    #expect(
      suite.expectations.forThread("deploy-002").step(3, seq: 8)?.parameters["message"] == .any)
  }

  @Test(arguments: [
    (
      validSuite.replacingOccurrences(of: "json-events", with: "markdown"),
      "suite.yaml:6: variants.concise.context_format: expected one of xml-tags, json-events, chat-messages, found \"markdown\""
    ),
    (
      validSuite.replacingOccurrences(
        of: "min_intent_accuracy: 0.8", with: "min_intent_accuracy: 80"),
      "suite.yaml:22: thresholds.min_intent_accuracy: expected a number between 0 and 1"
    ),
    (
      validSuite.replacingOccurrences(of: "threads/*.jsonl", with: "threads/*.json"),
      "suite.yaml:10: fixtures[0]: matches no file"
    ),
    (
      validSuite.replacingOccurrences(of: "{regex: \"v1", with: "{regexp: \"v1"),
      "suite.yaml:16: expectations[0].steps[0].parameters.tag.regexp: unknown matcher; expected one of exact, any, regex, one_of, tolerance, subset"
    ),
    (
      validSuite.replacingOccurrences(of: "fails: 2", with: "fails: 0"),
      "expectations[0].faults[0].fails: expected an integer of at least 1, found 0"
    ),
    (
      validSuite.replacingOccurrences(of: "modes: [step, loop]", with: "modes: [step, replay]"),
      "suite.yaml:21: modes[1]: expected one of step, loop"
    ),
    (
      validSuite.replacingOccurrences(of: "output_mode: next-step", with: "output: next-step"),
      "suite.yaml:7: variants.concise.output: unknown key; expected one of aliases, context_format, description, error_policy, hide_resolved_errors, intents, model, modes, name, output_mode, prompt, step_budget"
    ),
    (
      validSuite.replacingOccurrences(
        of: "prompts/concise.mustache", with: "prompts/missing.mustache"),
      "suite.yaml:5: variants.concise.prompt: cannot read the prompt template"
    ),
    ("agent: agent.yaml\n", "missing key \"fixtures\""),
    ("agent: [unclosed\n", "suite.yaml: invalid YAML at "),
  ])
  func validationErrorsNameTheFileAndThePath(yaml: String, message: String) throws {
    let folder = try SuiteFolder()
    defer { folder.remove() }
    let failure = folder.failure(yaml)
    #expect(failure.contains(message), "\(failure)")
    #expect(failure.contains("suite.yaml"), "\(failure)")
    #expect(!failure.contains("\n"), "\(failure)")
  }

  @Test func expectationFileErrorsNameThatFile() throws {
    let folder = try SuiteFolder()
    defer { folder.remove() }
    try folder.write(
      "evals/deploybot/expectations.yaml",
      "- thread: deploy-001\n  steps:\n    - step: 1\n      parameters:\n        tag: {regex: \"(\"}\n"
    )
    let failure = folder.failure(
      "agent: agent.yaml\nfixtures: ../../fixtures/deploybot/threads/*.jsonl\n"
        + "expectations: expectations.yaml\n")
    #expect(
      failure.hasSuffix(
        "expectations.yaml:5: [0].steps[0].parameters.tag.regex: not a valid regular expression"),
      "\(failure)")
  }

  @Test func badFixtureLinesNameFileAndLine() throws {
    let folder = try SuiteFolder()
    defer { folder.remove() }
    try folder.write(
      "fixtures/deploybot/threads/deploy-003.jsonl",
      #"{"thread":"deploy-003","seq":0,"type":"slack_message","data":{}}"# + "\n"
        + #"{"thread":"deploy-003","type":"list_git_tags"}"# + "\n")
    let suite = try folder.load(validSuite)
    #expect(throws: SuiteError.self) { try suite.loadThreads() }
    do {
      _ = try suite.loadThreads()
    } catch {
      #expect(error.description.hasSuffix("deploy-003.jsonl:2: missing field \"data\""))
    }
  }
}
