import Foundation
import RefoldCore
import RefoldModels
import Testing

@testable import RefoldEval

/// `agent:` as a command or a URL, the suite's `intents:` map and a variant's `env:`.
@Suite struct ExternalAgentSuiteTests {
  /// Loads `suiteYAML` from a folder holding one golden thread and an agent spec file.
  func load(_ suiteYAML: String) throws -> Suite {
    let root = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: root) }
    let thread = happyThread("deploy-001").map(\.jsonLine).joined(separator: "\n")
    try thread.write(
      to: root.appendingPathComponent("deploy-001.jsonl"), atomically: true, encoding: .utf8)
    try suiteYAML.write(
      to: root.appendingPathComponent("suite.yaml"), atomically: true, encoding: .utf8)
    try "name: deploybot\n".write(
      to: root.appendingPathComponent("agent.yaml"), atomically: true, encoding: .utf8)
    return try SuiteLoader(loadAgent: { _, _ in deploySpec }).load(root.path)
  }

  func failure(_ suiteYAML: String) -> String {
    do {
      _ = try load(suiteYAML)
      return "no error"
    } catch {
      return String(describing: error)
    }
  }

  @Test func readsACommandAgentItsIntentsAndVariantEnvironments() throws {
    let suite = try load(
      """
      name: calc
      agent:
        command: [python3, agent.py]
        env: {MODE: fast, RETRIES: 2}
        cwd: tools
        timeout: 5
      intents:
        multiply: sync
        ask: {kind: human, parameters: {type: object, properties: {question: {type: string}}}}
        done_for_now: terminal
      variants:
        baseline: {}
        terse: {env: {PROMPT_VARIANT: terse, MODE: slow}}
      fixtures: ["*.jsonl"]
      """)
    let agent = try #require(suite.externalAgent)
    #expect(agent.endpoint == .command(["python3", "agent.py"]))
    #expect(agent.environment == ["MODE": "fast", "RETRIES": "2"])
    #expect(agent.workingDirectory == "\(suite.directory)/tools")
    #expect(agent.timeout == 5)
    #expect(suite.agentPath == suite.file)
    #expect(suite.agent.intents.map(\.name) == ["multiply", "ask", "done_for_now"])
    #expect(suite.agent.intents.map(\.kind) == [.sync, .human, .terminal])
    #expect(suite.agent.intent(named: "ask")?.parameters["type"] == "object")
    #expect(suite.agent.model.name == "python3 agent.py")
    let terse = try #require(suite.variant(named: "terse"))
    #expect(
      suite.externalAgent(for: terse)?.environment == [
        "MODE": "slow", "RETRIES": "2", "PROMPT_VARIANT": "terse",
      ])
  }

  @Test func withoutIntentsTheDefaultVocabularyApplies() throws {
    let suite = try load(
      """
      agent: {url: "http://127.0.0.1:9000/next-step"}
      fixtures: ["*.jsonl"]
      """)
    #expect(suite.externalAgent?.endpoint == .url("http://127.0.0.1:9000/next-step"))
    #expect(suite.externalAgent?.timeout == 60)
    #expect(suite.agent.intents.isEmpty)
    #expect(suite.agent.vocabulary.kind(ofIntent: "done_for_now") == .terminal)
  }

  @Test func refusesMistakesWithTheirPath() {
    #expect(
      failure("agent: {command: [python3], url: \"http://x\"}\nfixtures: [\"*.jsonl\"]")
        .contains("agent: give either command or url, not both"))
    #expect(
      failure("agent: {cmd: [python3]}\nfixtures: [\"*.jsonl\"]").contains("agent"))
    #expect(
      failure("agent: {url: \"ftp://x\"}\nfixtures: [\"*.jsonl\"]")
        .contains("agent.url: expected an http or https URL"))
    #expect(
      failure("agent: {command: [a], timeout: 0}\nfixtures: [\"*.jsonl\"]")
        .contains("agent.timeout"))
    #expect(
      failure("agent: {command: [a]}\nintents: {x: sometimes}\nfixtures: [\"*.jsonl\"]")
        .contains("intents.x: expected one of sync, approval, human, terminal"))
    #expect(
      failure("agent: agent.yaml\nintents: {x: sync}\nfixtures: [\"*.jsonl\"]")
        .contains("intents of a spec agent belong in its agent.yaml"))
    #expect(
      failure("agent: agent.yaml\nvariants: {a: {env: {X: y}}}\nfixtures: [\"*.jsonl\"]")
        .contains("variants.a.env: unknown key"))
  }
}
