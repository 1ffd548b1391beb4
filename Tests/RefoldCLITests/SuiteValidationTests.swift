import Foundation
import RefoldCLI
import RefoldCore
import RefoldEval
import RefoldModels
import RefoldTestSupport
import Testing

/// Validation before anything runs, through `refold eval`: every problem at once, each as
/// `file:line: path: what is wrong (did you mean …?)`, exit 2.
@Suite struct SuiteValidationTests {
  static let repository = Repository.root
  static let threads = ["deploy-staging-backend-latest-tag", "clarify-environment-then-deploy"]

  func refold(_ arguments: [String]) async -> (code: Int32, stdout: String, stderr: String) {
    let stdout = CapturedOutput()
    let stderr = CapturedOutput()
    let code = await CLI.run(arguments: arguments, stdout: stdout, stderr: stderr, environment: [:])
    return (code, stdout.text, stderr.text)
  }

  /// A copy of the deploy-bot agent with two golden threads, `expectations` as its
  /// expectations.yaml, and `extraThread` (JSONL) as a third fixture file when given.
  func suite(expectations: String, extraThread: String? = nil, strict: Bool = false) throws
    -> TemporaryDirectory
  {
    let directory = try deployBotSuiteCopy(threads: Self.threads)
    if let extraThread { _ = try directory.write("threads/extra.jsonl", extraThread) }
    _ = try directory.write("expectations.yaml", expectations)
    _ = try directory.write(
      "suite.yaml",
      """
      name: mini
      agent: agent.yaml
      fixtures: [threads/*.jsonl]
      expectations: expectations.yaml
      cassette: cassettes/{variant}.jsonl
      \(strict ? "strict: true" : "")
      """)
    return directory
  }

  /// The problem lines of `stderr` (one per problem).
  func problems(_ stderr: String) -> [String] {
    stderr.split(separator: "\n").map(String.init).filter { $0.hasPrefix("refold: ") }
  }

  @Test func everyExpectationProblemIsListedAtOnceWithItsLine() async throws {
    let directory = try suite(
      expectations: """
        - thread: clarify-environment-then-deploy
          steps:
            - step: 0
              accept: [request_clarificaton]
            - step: 9
        - thread: deploy-staging-backend-latest-tag
          faults:
            - {intent: list_git_tag, fails: 1}
          behaviour: {ends_with: done_for_nwo}
        - thread: deploy-staging-backend-latest-tagg
        - thread: "*"
          intents:
            done_for_noww: {message: any}
          steps:
            - seq: 2
        """)
    let file = directory.path("expectations.yaml")
    let run = await refold(["eval", directory.url.path, "--out", directory.path("out")])
    #expect(run.code == 2)
    let lines = problems(run.stderr)
    let expected = [
      "\(file):4: [0].steps[0].accept[0]: \"request_clarificaton\" is not an intent "
        + "of the agent (did you mean request_clarification?)",
      "\(file):5: [0].steps[1].step: step 9 is out of range: thread "
        + "\"clarify-environment-then-deploy\" has",
      "\(file):8: [1].faults[0].intent: \"list_git_tag\" is not an intent of the "
        + "agent (did you mean list_git_tags?)",
      "\(file):9: [1].behaviour.ends_with: \"done_for_nwo\" is neither an intent of "
        + "the agent nor a final status",
      "\(file):10: [2].thread: no thread \"deploy-staging-backend-latest-tagg\" in the "
        + "fixtures (did you mean deploy-staging-backend-latest-tag?)",
      "\(file):13: [3].intents.done_for_noww: \"done_for_noww\" is not an intent of "
        + "the agent (did you mean done_for_now?)",
      "\(file):15: [3].steps[0].seq: seq 2 is not a decision of thread",
    ]
    #expect(lines.count == expected.count, "\(run.stderr)")
    for (line, prefix) in zip(lines, expected) {
      #expect(line.hasPrefix("refold: " + prefix), "\(line)")
    }
    #expect(run.stderr.contains("(did you mean done_for_now?)"))
    #expect(!FileManager.default.fileExists(atPath: directory.path("out")))
  }

  @Test func aMisspelledGoldenDecisionIsAnErrorAtItsFixtureLine() async throws {
    let thread = "typo"
    let directory = try suite(
      expectations: "[]",
      extraThread: """
        {"thread":"\(thread)","seq":0,"type":"slack_message","data":{"text":"tags?"}}
        {"thread":"\(thread)","seq":1,"type":"list_git_tagz","data":{}}
        {"thread":"\(thread)","seq":2,"type":"rollback","data":{}}
        {"thread":"\(thread)","seq":3,"type":"rollback_result","data":{"ok":true}}
        {"thread":"\(thread)","seq":4,"type":"note","data":{"text":"for the record"}}
        {"thread":"\(thread)","seq":5,"type":"done_for_now","data":{"message":"done"}}
        """)
    let file = directory.path("threads/extra.jsonl")
    let run = await refold(["eval", directory.url.path, "--out", directory.path("out")])
    #expect(run.code == 2)
    let lines = problems(run.stderr).filter { !$0.hasPrefix("refold: warning:") }
    #expect(lines.count == 2, "\(run.stderr)")
    #expect(
      lines.first
        == "refold: \(file):2: thread typo seq 1: event type \"list_git_tagz\" is not an intent "
        + "of the agent (did you mean list_git_tags?)")
    #expect(
      lines.last
        == "refold: \(file):3: thread typo seq 2: \"rollback\" reads as a decision but is not an "
        + "intent of the agent")
    #expect(
      run.stderr.contains(
        "refold: warning: \(file):5: thread typo seq 4: event type \"note\" is unknown to the "
          + "agent's vocabulary"))
  }

  @Test func unknownEventTypesAreWarningsUnlessTheSuiteIsStrict() async throws {
    let thread = "noted"
    let events = """
      {"thread":"\(thread)","seq":0,"type":"slack_message","data":{"text":"tags?"}}
      {"thread":"\(thread)","seq":1,"type":"note","data":{"text":"for the record"}}
      {"thread":"\(thread)","seq":2,"type":"done_for_now","data":{"message":"done"}}
      """
    let file = "threads/extra.jsonl"
    let lenient = try suite(expectations: "[]", extraThread: events)
    let warned = await refold(["eval", lenient.url.path, "--out", lenient.path("out")])
    #expect(
      warned.stderr.contains(
        "refold: warning: \(lenient.path(file)):2: thread noted seq 1: event type \"note\""))
    // No cassette: the run itself fails to find answers, but validation let it start.
    #expect(!problems(warned.stderr).contains { $0.hasPrefix("refold: \(lenient.path(file))") })

    let strict = try suite(expectations: "[]", extraThread: events, strict: true)
    let refused = await refold(["eval", strict.url.path, "--out", strict.path("out")])
    #expect(refused.code == 2)
    #expect(
      problems(refused.stderr) == [
        "refold: \(strict.path(file)):2: thread noted seq 1: event type \"note\" is unknown to "
          + "the agent's vocabulary"
      ])
  }

  /// An external agent's `intents:` map: the issue's calculator typos, in the expectations
  /// and in a golden thread, found before the agent is ever started.
  @Test func anExternalAgentsIntentsMapIsTheVocabularyChecked() async throws {
    let directory = try TemporaryDirectory()
    try FileManager.default.createDirectory(
      atPath: directory.path("threads"), withIntermediateDirectories: true)
    _ = try directory.write(
      "threads/sum.jsonl",
      """
      {"thread":"sum","seq":0,"type":"user_input","data":{"text":"6 times 7, then halve it"}}
      {"thread":"sum","seq":1,"type":"multiplly","data":{"a":6,"b":7}}
      {"thread":"sum","seq":2,"type":"multiply_result","data":{"value":42}}
      {"thread":"sum","seq":3,"type":"divide","data":{"a":42,"b":2}}
      {"thread":"sum","seq":4,"type":"divide_result","data":{"value":21}}
      {"thread":"sum","seq":5,"type":"done_for_now","data":{"message":"21"}}
      """)
    let file = try directory.write(
      "suite.yaml",
      """
      name: calc
      agent: {command: [python3, never-started.py]}
      intents: {multiply: sync, divide: sync, done_for_now: terminal}
      fixtures: [threads/*.jsonl]
      modes: [step, loop]
      expectations:
        - thread: sum
          steps:
            - {step: 0, accept: [request_clarification, multipy]}
          faults: [{intent: divde}]
          behaviour: {ends_with: done_for_nwo}
      """)
    let run = await refold(["eval", directory.url.path, "--out", directory.path("out")])
    #expect(run.code == 2)
    #expect(
      problems(run.stderr) == [
        "refold: \(file):9: expectations[0].steps[0].accept[1]: \"multipy\" is not an intent of "
          + "the agent (did you mean multiply?)",
        "refold: \(file):10: expectations[0].faults[0].intent: \"divde\" is not an intent of the "
          + "agent (did you mean divide?)",
        "refold: \(file):11: expectations[0].behaviour.ends_with: \"done_for_nwo\" is neither an "
          + "intent of the agent nor a final status (running, awaiting_human, awaiting_approval, "
          + "done, escalated, step_limit) (did you mean done_for_now?)",
        "refold: \(directory.path("threads/sum.jsonl")):2: thread sum seq 1: event type "
          + "\"multiplly\" is not an intent of the agent (did you mean multiply?)",
      ], "\(run.stderr)")
  }

  @Test func theDemoSuiteAndTheExamplesValidateWithoutErrors() throws {
    let loader = SuiteLoader(specLoader: AgentSpecLoader(environment: [:]))
    for path in [
      "evals/deploybot", "examples/rules-agent", "examples/swift-agent/evals/deploy",
    ] {
      let suite = try loader.load("\(Self.repository)/\(path)")
      let loaded = try FixtureLoader.loadWithLines(suite.fixtureFiles)
      let validation = SuiteValidator.validate(
        suite, threads: loaded.threads, lines: loaded.lines)
      #expect(validation.errors.isEmpty, "\(path): \(validation.errors.map(\.description))")
      #expect(validation.warnings.isEmpty, "\(path): \(validation.warnings.map(\.description))")
    }
  }
}
