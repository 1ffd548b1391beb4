import Foundation
import RefoldCLI
import RefoldCore
import RefoldModels
import RefoldReport
import RefoldShared
import RefoldTestSupport
import RefoldTesting
import Testing

/// The example Python agent (`examples/python-agent`: its own prompt and tools on the
/// official `openai` SDK, speaking `refold.next-step/v1`) end to end: a production run
/// recorded through `refold proxy` and promoted into a copy of its suite.
///
/// The agent runs under `.build/venv`'s Python, where `.ci/run` installs the pinned SDK.
@Suite(
  .serialized,
  .enabled(
    if: CalcbotVenv.exists,
    "skipped: no SDK venv; .ci/run creates it (python3 -m venv .build/venv; .build/venv/bin/pip install -r scripts/requirements-sdk.txt)"
  ))
struct PythonAgentTests {
  static let example = "\(Repository.root)/examples/python-agent"
  static let venvBin = CalcbotVenv.bin

  /// The venv first on `PATH`, so that the suite's `python3` is the one with the SDK; no
  /// proxy variables, so that the SDK talks to 127.0.0.1 directly.
  static let environment = [
    "PATH": venvBin + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
  ]

  func refold(_ arguments: [String]) async -> (code: Int32, stdout: String, stderr: String) {
    let stdout = CapturedOutput()
    let stderr = CapturedOutput()
    let code = await CLI.run(
      arguments: arguments, stdout: stdout, stderr: stderr, environment: Self.environment)
    return (code, stdout.text, stderr.text)
  }

  /// A copy of the example suite (agent, golden threads, expectations, cassettes).
  func exampleCopy() throws -> TemporaryDirectory {
    let directory = try TemporaryDirectory()
    for name in ["agent.py", "suite.yaml", "expectations.yaml", "threads", "cassettes"] {
      let source = "\(Self.example)/\(name)"
      guard FileManager.default.fileExists(atPath: source) else { continue }
      try FileManager.default.copyItem(atPath: source, toPath: directory.path(name))
    }
    return directory
  }

  /// Runs the agent in production mode (`agent.py --ask TEXT --thread ID`) against the model
  /// at `baseURL`; its exit status and what it printed.
  ///
  /// The process is awaited without holding a thread, so that a proxy running in this
  /// process keeps answering.
  static func ask(_ text: String, thread: String, baseURL: String, agent: String) async throws
    -> (status: Int32, stdout: String, stderr: String)
  {
    let ended = try await ChildProcess.run(
      venvBin + "/python3", [agent, "--ask", text, "--thread", thread],
      environment: environment.merging([
        "OPENAI_BASE_URL": baseURL, "OPENAI_API_KEY": "sk-calcbot-test-key-0123456789",
      ]) { $1 })
    return (ended.status, ended.stdout, ended.stderr)
  }

  /// A production run through `refold proxy`, promoted, replays with no miss.
  ///
  /// The agent asked in production goes through the proxy to a model on 127.0.0.1: the
  /// proxy records its thread (the agent's own system prompt and question, the tool call, the
  /// tool's result, the final answer) and both exchanges, and `refold promote` turns it into
  /// a golden fixture with a cassette whose every line verifies. Replayed with the upstream
  /// gone, every decision of the promoted thread is answered from its cassette and passes.
  /// The question is one no committed thread asks: a request identical to another thread's
  /// is answered by the earlier recording of it.
  @Test func aProductionRunThroughTheProxyIsPromotedAndReplaysWithNoMiss() async throws {
    let upstream = try await ProviderServer { attempt, _ in
      attempt == 1
        ? .json(
          ProviderResponses.openAIToolCall(
            name: "next_step", arguments: ["intent": "add", "a": 19, "b": 23, "message": "adding"],
            id: "call_upstream_7"))
        : .json(ProviderResponses.openAIContent("19 plus 23 is 42."))
    }
    let suite = try exampleCopy()
    let db = suite.path("proxy.sqlite")
    let proxy = try await RecordingCommandTests.Listening.start([
      "proxy", "--upstream", upstream.baseURL, "--listen", "127.0.0.1:0", "--db", db,
    ])
    let asked = try await Self.ask(
      "What is 19 plus 23?", thread: "prod-add", baseURL: proxy.baseURL + "/v1",
      agent: suite.path("agent.py"))
    #expect(await proxy.stop() == 0)
    await upstream.stop()
    #expect(asked.status == 0, "\(asked.stderr)")
    #expect(asked.stdout == "19 plus 23 is 42.\n")
    #expect(upstream.received.count == 2)

    let exported = await refold(["export", "prod-add", "--db", db])
    #expect(exported.code == 0, "\(exported.stderr)")
    let events = try exported.stdout.split(separator: "\n").map { try JSONParser.parse(String($0)) }
    #expect(
      events.map { $0["type"] } == [
        "user_input", "user_input", "add", "add_result", "done_for_now",
      ])
    #expect(events[0]["data"]?["role"] == "system")
    #expect(events[0]["data"]?["text"]?.stringValue?.hasPrefix("You are calcbot") == true)
    #expect(events[1]["data"] == ["text": "What is 19 plus 23?"])
    #expect(events[2]["data"] == ["a": 19, "b": 23, "message": "adding"])
    #expect(events[3]["data"] == ["result": 42])
    #expect(events[4]["data"] == ["message": "19 plus 23 is 42."])

    let cassette = suite.path("cassettes/baseline.jsonl")
    let before = Self.lineCount(cassette)
    let promoted = await refold([
      "promote", "prod-add", "--suite", suite.path("suite.yaml"), "--db", db,
    ])
    #expect(promoted.code == 0, "\(promoted.stderr)")
    #expect(FileManager.default.fileExists(atPath: suite.path("threads/prod-add.jsonl")))
    #expect(Self.lineCount(cassette) == before + 2)
    let checked = await refold(["cassette", "check", cassette])
    #expect(checked.code == 0, "\(checked.stderr)")
    // The API key reached the upstream and nothing on disk.
    #expect(
      upstream.received.first?.headers["authorization"] == "Bearer sk-calcbot-test-key-0123456789")
    for file in [db, db + "-wal", cassette, suite.path("threads/prod-add.jsonl")] {
      let text = (try? String(contentsOfFile: file, encoding: .isoLatin1)) ?? ""
      #expect(!text.contains("sk-calcbot-test-key"), "the key is in \(file)")
    }

    // The promoted thread is a CI test: with the upstream gone, the agent asked at each of
    // its decisions renders the request it sent in production, and the endpoint answers it.
    let replay = await refold([
      "eval", suite.path("suite.yaml"), "--variant", "baseline", "--model", "recorded",
      "--db", suite.path("eval.sqlite"), "--out", suite.path("out"),
    ])
    #expect(replay.code == 0 || replay.code == 1, "\(replay.stderr)")
    #expect(!replay.stderr.contains("cassette miss"), "\(replay.stderr)")
    let results = try ResultsReader.read(from: suite.path("out/results.json"))
    #expect(results.summary.sourceErrors == 0)
    let promotedCases = results.cases.filter { $0.thread == "prod-add" }
    #expect(promotedCases.map(\.id).sorted() == ["prod-add#0", "prod-add#1", "prod-add@loop"])
    #expect(promotedCases.allSatisfy { $0.verdict == .pass }, "\(promotedCases)")
  }

  /// The example as committed, from its SmolLM2 cassettes, scores as counted by hand from
  /// the recorded answers (the table in examples/python-agent/README.md).
  ///
  /// Each variant: 14 decisions (10 in the five hand-written threads, 4 in the promoted
  /// production thread). The right intent at 6: `add-then-multiply#0` (add 2, 3),
  /// `divide-by-zero#0` (divide, but b = 0.5) and the production thread's four adds; of
  /// those, every parameter but that b matches (5/6; `message` is not compared for the
  /// arithmetic intents). The model picks add for "times" and "minus" and never finishes
  /// with done_for_now. Cases: the 14 steps and 6 loop runs, 5 passing; every loop diverges
  /// (the production thread's after its four recorded adds, the others at their first
  /// wrong call), so loop pass is 0/6. Both prompts make the same choices: no case flips.
  @Test func theExampleScoresAsCountedByHandInStepAndLoopMode() async throws {
    let scratch = try TemporaryDirectory()
    let run = await refold([
      "eval", Self.example, "--db", scratch.path("refold.sqlite"), "--out", scratch.path("out"),
    ])
    #expect(run.code == 0, "\(run.stderr)")
    #expect(run.stdout.contains("McNemar (case pass): 0 regressed, 0 improved"), "\(run.stdout)")
    for variant in ["baseline", "terse"] {
      let results = try ResultsReader.read(from: scratch.path("out/\(variant)/results.json"))
      let summary = results.summary
      #expect(results.run.variant == variant)
      #expect(summary.decisions == 14, "\(variant)")
      #expect(summary.sourceErrors == 0, "\(variant)")
      #expect(summary.intentAccuracy.passed == 6, "\(variant)")
      #expect(summary.intentAccuracy.total == 14, "\(variant)")
      #expect(summary.parameterAccuracy.passed == 5, "\(variant)")
      #expect(summary.parameterAccuracy.total == 6, "\(variant)")
      #expect(summary.casePassRate.passed == 5, "\(variant)")
      #expect(summary.casePassRate.total == 20, "\(variant)")
      #expect(summary.loop?.runs == 6, "\(variant)")
      #expect(summary.loop?.passRate.passed == 0, "\(variant)")
      let passing = results.cases.filter { $0.verdict == .pass }.map(\.id).sorted()
      #expect(
        passing == [
          "add-then-multiply#0", "prod-12-plus-30#0", "prod-12-plus-30#1", "prod-12-plus-30#2",
          "prod-12-plus-30#3",
        ], "\(variant)")
      let divide = results.cases.first { $0.id == "divide-by-zero#0" }
      #expect(divide?.verdict == .wrongParameters, "\(variant)")
      #expect(divide?.parameterDiff?.map(\.path) == ["b"], "\(variant)")
      let loops = results.cases.filter { $0.mode == "loop" }
      #expect(loops.count == 6 && loops.allSatisfy { $0.verdict == .diverged }, "\(variant)")
    }
  }

  /// One word of the agent's own prompt changed (in a copy of the example): every request
  /// misses its cassette, the run is exit 3, and the miss's diff shows the old and new word.
  @Test func aOneWordChangeInTheAgentsPromptIsALoudMiss() async throws {
    let suite = try exampleCopy()
    let agent = suite.path("agent.py")
    let source = try String(contentsOfFile: agent, encoding: .utf8)
    #expect(source.contains("a careful calculator"))
    try source.replacingOccurrences(of: "a careful calculator", with: "a meticulous calculator")
      .write(toFile: agent, atomically: true, encoding: .utf8)
    let run = await refold([
      "eval", suite.path("suite.yaml"), "--variant", "baseline", "--mode", "step",
      "--db", suite.path("refold.sqlite"), "--out", suite.path("out"),
    ])
    #expect(run.code == 3, "\(run.stderr)")
    #expect(run.stderr.contains("cassette miss"), "\(run.stderr)")
    #expect(run.stderr.contains("meticulous"), "\(run.stderr)")
    #expect(run.stderr.contains("careful"), "\(run.stderr)")
    let results = try ResultsReader.read(from: suite.path("out/results.json"))
    #expect(results.summary.sourceErrors == 14)
    let failure = results.cases.first?.failure ?? ""
    #expect(failure.contains("+") && failure.contains("meticulous"), "\(failure)")
  }

  static func lineCount(_ path: String) -> Int {
    let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    return text.split(separator: "\n").count
  }
}

/// Where `.ci/run` installs the pinned SDKs, as SDKProxyTests finds them.
enum CalcbotVenv {
  static let bin = Repository.root + "/.build/venv/bin"
  static var exists: Bool { FileManager.default.isExecutableFile(atPath: bin + "/python3") }
}
