import Foundation
import RefoldCLI
import RefoldCore
import RefoldReport
import RefoldShared
import RefoldTestSupport
import RefoldTesting
import Testing

extension ExternalAgentTests {
  /// The team's own agent calling its model through the official Python SDKs
  /// (`Tests/Fixtures/model-agent/agent.py`), with `refold eval` answering those calls on its
  /// model endpoint: a production thread recorded through `refold proxy`, promoted and replayed
  /// with no miss and no network; a one-word prompt change is exit 3 with the word in the
  /// diff; `record` and `live` forward to a test upstream on 127.0.0.1 with the agent's own
  /// key, which no file holds.
  ///
  /// Nested in ``ExternalAgentTests``, whose `.serialized` it inherits: the SDK agents' start
  /// (a second of CPU each) never runs beside that suite's one-second agent timeouts.
  @Suite(
    .enabled(
      if: AgentVenv.exists,
      "skipped: no SDK venv; .ci/run creates it (python3 -m venv .build/venv; .build/venv/bin/pip install -r scripts/requirements-sdk.txt)"
    ))
  struct AgentModelEndpointTests {
    static let python = AgentVenv.python
    static let agent = Repository.root + "/Tests/Fixtures/model-agent/agent.py"
    static let secret = "sk-agent-own-key-4f9c2e7a1b"
    static let question = "What is 3 times 4, plus 5?"
    static let final = "3 times 4 plus 5 is 17."

    /// Refold's environment (the agent inherits it): no base URL of the real providers.
    static var environment: [String: String] {
      var environment = ProcessInfo.processInfo.environment
      for name in ["OPENAI_BASE_URL", "ANTHROPIC_BASE_URL", "HTTP_PROXY", "HTTPS_PROXY"] {
        environment[name] = nil
      }
      environment["NO_PROXY"] = "127.0.0.1"
      return environment
    }

    func refold(_ arguments: [String], environment extra: [String: String] = [:]) async
      -> (code: Int32, stdout: String, stderr: String)
    {
      let stdout = CapturedOutput()
      let stderr = CapturedOutput()
      let code = await CLI.run(
        arguments: arguments, stdout: stdout, stderr: stderr,
        environment: Self.environment.merging(extra) { _, new in new })
      return (code, stdout.text, stderr.text)
    }

    /// Runs the agent in production (`agent.py run THREAD TEXT`), awaited without holding a
    /// thread so that the in-process proxy keeps answering.
    static func production(thread: String, environment extra: [String: String]) async throws
      -> (code: Int32, stdout: String, stderr: String)
    {
      let ended = try await ChildProcess.run(
        python, [agent, "run", thread, question],
        environment: environment.merging(extra) { _, new in new })
      return (ended.status, ended.stdout, ended.stderr)
    }

    /// A suite folder for the agent: `agent.py` copied in, `suite.yaml` with `agent` as its
    /// agent mapping, and `files`.
    static func suite(agent: String, files: [String: String] = [:]) throws -> TemporaryDirectory {
      let directory = try TemporaryDirectory()
      try FileManager.default.createDirectory(
        atPath: directory.path("threads"), withIntermediateDirectories: true)
      try FileManager.default.copyItem(atPath: Self.agent, toPath: directory.path("agent.py"))
      try directory.write(
        "suite.yaml",
        """
        name: calc
        agent: \(agent)
        intents: {multiply: sync, add: sync, done_for_now: terminal}
        fixtures: [threads/*.jsonl]
        cassette: cassettes/{variant}.jsonl
        modes: [step, loop]
        variants:
          baseline: {}

        """)
      for (name, text) in files { try directory.write(name, text) }
      return directory
    }

    /// Whether the upstream got the agent's own key (the anthropic SDK sends it as
    /// `x-api-key` or as a bearer token).
    static func carriesKey(_ request: ProviderRequest) -> Bool {
      request.header("x-api-key") == secret || request.header("authorization") == "Bearer \(secret)"
    }

    /// Replaces `old` by `new` in the suite's copy of the agent (its prompt).
    static func edit(_ directory: TemporaryDirectory, _ old: String, _ new: String) throws {
      let path = directory.path("agent.py")
      let text = try String(contentsOfFile: path, encoding: .utf8)
      #expect(text.contains(old))
      try text.replacingOccurrences(of: old, with: new).write(
        toFile: path, atomically: true, encoding: .utf8)
    }

    @Test func aProxyRecordedThreadPromotedReplaysWithNoMissAndAPromptWordIsExit3() async throws {
      let scratch = try TemporaryDirectory()
      let db = scratch.path("production.sqlite")
      let upstream = try await ProviderServer(answers: [
        ProviderResponses.openAIToolCall(
          name: "multiply", arguments: ["a": 3, "b": 4], id: "call_up_1"),
        ProviderResponses.openAIToolCall(
          name: "add", arguments: ["a": 12, "b": 5], id: "call_up_2"),
        ProviderResponses.openAIContent(Self.final),
      ])
      let proxy = try await RecordingCommandTests.Listening.start(
        ["proxy", "--upstream", upstream.baseURL, "--listen", "127.0.0.1:0", "--db", db],
        environment: Self.environment)
      let produced = try await Self.production(
        thread: "prod-calc-1",
        environment: ["OPENAI_BASE_URL": proxy.baseURL + "/v1", "OPENAI_API_KEY": Self.secret])
      #expect(produced.code == 0, "\(produced.stderr)")
      // The proxy writes the last decision once the answer was handed over.
      var shown = await refold(["show", "prod-calc-1", "--db", db])
      for _ in 0..<200 where !shown.stdout.contains("done_for_now") {
        try await Task.sleep(for: .milliseconds(10))
        shown = await refold(["show", "prod-calc-1", "--db", db])
      }
      #expect(await proxy.stop() == 0)
      await upstream.stop()
      #expect(upstream.received.count == 3)
      #expect(
        upstream.received.allSatisfy { $0.header("authorization") == "Bearer \(Self.secret)" })

      let suite = try Self.suite(agent: "{command: [\(Self.python), agent.py], timeout: 30}")
      let promoted = await refold([
        "promote", "prod-calc-1", "--suite", suite.path("suite.yaml"), "--db", db,
      ])
      #expect(promoted.code == 0, "\(promoted.stderr)")
      let fixture = try String(
        contentsOfFile: suite.path("threads/prod-calc-1.jsonl"), encoding: .utf8)
      let cassette = try String(
        contentsOfFile: suite.path("cassettes/baseline.jsonl"), encoding: .utf8)
      #expect(cassette.split(separator: "\n").count == 3)
      #expect(!fixture.contains(Self.secret) && !cassette.contains(Self.secret))

      // Every decision of the promoted thread, in step and loop mode, answered from the
      // promoted cassette: the upstream is gone.
      let evaluated = await refold([
        "eval", suite.path("suite.yaml"), "--db", scratch.path("eval.sqlite"), "--out",
        scratch.path("out"),
      ])
      #expect(evaluated.code == 0, "\(evaluated.stdout)\n\(evaluated.stderr)")
      let results = try ResultsReader.read(from: scratch.path("out/results.json"))
      #expect(results.summary.decisions == 3)
      #expect(results.summary.sourceErrors == 0)
      #expect(results.summary.intentAccuracy.passed == 3)
      #expect(results.summary.parameterAccuracy.passed == 3)
      #expect(results.summary.loop?.passRate.passed == 1)
      #expect(results.cases.allSatisfy { $0.verdict == .pass }, "\(results.cases.map(\.verdict))")
      // Each step case names the promoted exchange its decision was answered with.
      let keys = Set(
        cassette.split(separator: "\n").compactMap {
          try? JSONParser.parse(String($0))["key"]?.stringValue
        })
      let stepKeys = results.cases.filter { $0.mode == "step" }.compactMap(\.exchangeKey)
      #expect(stepKeys.count == 3 && Set(stepKeys) == keys)

      // One word of the agent's own prompt: a loud miss at every decision, the word in the diff.
      try Self.edit(suite, "You are a careful calculator.", "You are a meticulous calculator.")
      let changed = await refold([
        "eval", suite.path("suite.yaml"), "--db", scratch.path("eval.sqlite"), "--out",
        scratch.path("changed"),
      ])
      #expect(changed.code == 3, "\(changed.stderr)")
      #expect(changed.stderr.contains("cassette miss"), "\(changed.stderr)")
      #expect(
        changed.stderr.contains("+   | You are a meticulous calculator."), "\(changed.stderr)")
      #expect(changed.stderr.contains("-   | You are a careful calculator."), "\(changed.stderr)")
      #expect(changed.stderr.contains("prod-calc-1"))
      let missed = try ResultsReader.read(from: scratch.path("changed/results.json"))
      #expect(missed.summary.sourceErrors == 4)
      #expect(missed.cases.allSatisfy { $0.verdict == .sourceError })
    }

    @Test func anthropicRecordThenReplayAndLiveForwardWithTheAgentsKey() async throws {
      let answers: [JSONValue] = [
        ProviderResponses.anthropicToolUse(name: "multiply", input: ["a": 3, "b": 4]),
        ProviderResponses.anthropicToolUse(name: "add", input: ["a": 12, "b": 5]),
        ProviderResponses.anthropicText(Self.final),
      ]
      let thread = [
        #"{"thread":"calc-1","seq":0,"type":"user_input","data":{"text":"\#(Self.question)"}}"#,
        #"{"thread":"calc-1","seq":1,"type":"multiply","data":{"a":3,"b":4}}"#,
        #"{"thread":"calc-1","seq":2,"type":"multiply_result","data":{"value":12}}"#,
        #"{"thread":"calc-1","seq":3,"type":"add","data":{"a":12,"b":5}}"#,
        #"{"thread":"calc-1","seq":4,"type":"add_result","data":{"value":17}}"#,
        #"{"thread":"calc-1","seq":5,"type":"done_for_now","data":{"message":"\#(Self.final)"}}"#,
      ].joined(separator: "\n")
      let upstream = try await ProviderServer(answers: answers)
      let suite = try Self.suite(
        agent: "{command: [\(Self.python), agent.py], env: {CALC_PROVIDER: anthropic}, "
          + "upstream: \"\(upstream.baseURL)\"}",
        files: ["threads/calc-1.jsonl": thread + "\n"])
      let scratch = try TemporaryDirectory()
      let key = ["ANTHROPIC_API_KEY": Self.secret]

      // record: the upstream answers each new request once; the loop replays what the step
      // replay recorded.
      let recorded = await refold(
        [
          "eval", suite.path("suite.yaml"), "--model", "record", "--db", scratch.path("e.sqlite"),
          "--out",
          scratch.path("record"),
        ], environment: key)
      #expect(recorded.code == 0, "\(recorded.stdout)\n\(recorded.stderr)")
      #expect(upstream.received.count == 3)
      #expect(upstream.received.allSatisfy { Self.carriesKey($0) }, "\(upstream.received)")
      #expect(upstream.received.allSatisfy { $0.path == "/v1/messages" })
      let cassette = try String(
        contentsOfFile: suite.path("cassettes/baseline.jsonl"), encoding: .utf8)
      #expect(cassette.split(separator: "\n").count == 3)
      #expect(!cassette.contains(Self.secret))
      await upstream.stop()

      // recorded: no upstream, no key, every decision right.
      let replayed = await refold([
        "eval", suite.path("suite.yaml"), "--db", scratch.path("e.sqlite"), "--out",
        scratch.path("replay"),
      ])
      #expect(replayed.code == 0, "\(replayed.stdout)\n\(replayed.stderr)")
      let results = try ResultsReader.read(from: scratch.path("replay/results.json"))
      #expect(results.summary.decisions == 3)
      #expect(results.summary.intentAccuracy.passed == 3)
      #expect(results.summary.parameterAccuracy.passed == 3)
      #expect(results.summary.sourceErrors == 0)
      #expect(results.summary.loop?.passRate.passed == 1)

      // live: every call forwarded (--base-url over the agent's upstream:), nothing written.
      let live = try await ProviderServer(answers: answers + answers)
      let forwarded = await refold(
        [
          "eval", suite.path("suite.yaml"), "--model", "live", "--base-url", live.baseURL, "--db",
          scratch.path("e.sqlite"), "--out", scratch.path("live"), "--mode", "step",
        ],
        environment: key)
      #expect(forwarded.code == 0, "\(forwarded.stdout)\n\(forwarded.stderr)")
      #expect(live.received.count == 3)
      #expect(live.received.allSatisfy { Self.carriesKey($0) })
      await live.stop()
      #expect(
        try String(contentsOfFile: suite.path("cassettes/baseline.jsonl"), encoding: .utf8)
          == cassette)
    }
  }
}

/// Where `.ci/run` installs the pinned SDKs.
enum AgentVenv {
  static let python = Repository.root + "/.build/venv/bin/python3"
  static var exists: Bool { FileManager.default.isExecutableFile(atPath: python) }
}
