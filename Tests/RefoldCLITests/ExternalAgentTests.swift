import Foundation
import RefoldCLI
import RefoldCore
import RefoldReport
import RefoldShared
import RefoldTestSupport
import RefoldTesting
import Testing

/// `refold eval` on the team's own agent through `refold.next-step/v1`: the model-free
/// example agent as a command, an agent that crashes, hangs and prints garbage, and an HTTP
/// agent served on 127.0.0.1.
@Suite(.serialized) struct ExternalAgentTests {
  static let example = "\(Repository.root)/examples/rules-agent"
  static let environment = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]

  func refold(_ arguments: [String]) async -> (code: Int32, stdout: String, stderr: String) {
    let stdout = CapturedOutput()
    let stderr = CapturedOutput()
    let code = await CLI.run(
      arguments: arguments, stdout: stdout, stderr: stderr, environment: Self.environment)
    return (code, stdout.text, stderr.text)
  }

  /// A suite folder holding the example's three golden threads and `suite` as suite.yaml.
  func suite(_ suite: String, files: [String: String] = [:]) throws -> TemporaryDirectory {
    let directory = try TemporaryDirectory()
    try FileManager.default.copyItem(
      atPath: "\(Self.example)/threads", toPath: directory.path("threads"))
    try directory.write("suite.yaml", suite)
    for (name, text) in files { try directory.write(name, text) }
    return directory
  }

  /// The example agent scores as computed by hand.
  ///
  /// 8 decisions in 3 threads. The baseline's clarifying
  /// question differs from the golden one (1 wrong-parameters case); every other decision
  /// matches, and each loop run ends with `done_for_now` as its golden thread does. Cases
  /// are the 8 step cases and the 3 loop runs.
  @Test func rulesAgentScoresAsHandComputedInStepAndLoopMode() async throws {
    let scratch = try TemporaryDirectory()
    let run = await refold([
      "eval", Self.example, "--db", scratch.path("refold.sqlite"), "--out", scratch.path("out"),
      "--concurrency", "2",
    ])
    #expect(run.code == 0, "\(run.stderr)")
    let baseline = try ResultsReader.read(from: scratch.path("out/baseline/results.json"))
    let exact = try ResultsReader.read(from: scratch.path("out/exact-question/results.json"))
    #expect(baseline.run.variant == "baseline")
    #expect(baseline.run.model == "python3 agent.py")
    #expect(baseline.summary.decisions == 8)
    #expect(baseline.summary.intentAccuracy.passed == 8)
    #expect(baseline.summary.intentAccuracy.total == 8)
    #expect(baseline.summary.parameterAccuracy.passed == 7)
    #expect(baseline.summary.casePassRate.passed == 10)
    #expect(baseline.summary.casePassRate.total == 11)
    #expect(baseline.summary.sourceErrors == 0)
    #expect(baseline.summary.loop?.runs == 3)
    #expect(baseline.summary.loop?.passRate.passed == 3)
    let failing = baseline.cases.filter { $0.verdict != .pass }
    #expect(failing.map(\.id) == ["clarify-service-then-status#0"])
    #expect(failing.first?.verdict == .wrongParameters)
    // The variant's env: reaches the agent: its question is the golden one.
    #expect(exact.summary.parameterAccuracy.passed == 8)
    #expect(exact.summary.casePassRate.passed == 11)
    #expect(exact.summary.casePassRate.total == 11)
    #expect(exact.summary.loop?.passRate.passed == 3)
  }

  /// One agent process (concurrency 1) crashes at one step, hangs at another and prints
  /// garbage at a third: three source errors naming their thread and step, and every other
  /// decision still asked of a restarted process (the agent's `{"error": …}` answers).
  @Test func crashHangAndGarbageAreSourceErrorsForThatStepOnly() async throws {
    let directory = try suite(
      """
      name: flaky
      agent: {command: [python3, flaky.py], timeout: 3}
      intents: {list_git_tags: sync, deploy_backend: approval, done_for_now: terminal}
      fixtures: [threads/*.jsonl]
      modes: [step]
      """,
      files: [
        "flaky.py": """
        from json import dumps, loads
        from sys import stderr, stdin
        from time import sleep
        for line in stdin:
            request = loads(line)
            at = (request["thread"], request["step"])
            if at == ("deploy-prod-backend-approved", 1):
                stderr.write("boom\\n")
                raise SystemExit(3)
            if at == ("deploy-staging-backend-latest-tag", 1):
                sleep(30)
            if at == ("clarify-service-then-status", 1):
                print("this is not json", flush=True)
                continue
            print(dumps({"error": "undecided at step %d" % request["step"]}), flush=True)
        """
      ])
    let run = await refold([
      "eval", directory.path("suite.yaml"), "--db", directory.path("refold.sqlite"),
      "--out", directory.path("out"), "--concurrency", "1",
    ])
    #expect(run.code == 3, "\(run.stderr)")
    let results = try ResultsReader.read(from: directory.path("out/results.json"))
    // Decisions count the 5 answered; the 3 source errors are counted apart.
    #expect(results.cases.count == 8)
    #expect(results.summary.decisions == 5)
    #expect(results.summary.sourceErrors == 3)
    let errors = results.cases.filter { $0.verdict == .sourceError }
    #expect(
      errors.map(\.id).sorted() == [
        "clarify-service-then-status#1", "deploy-prod-backend-approved#1",
        "deploy-staging-backend-latest-tag#1",
      ])
    let byID = Dictionary(uniqueKeysWithValues: results.cases.map { ($0.id, $0) })
    let crash = byID["deploy-prod-backend-approved#1"]?.failure ?? ""
    #expect(crash.contains("thread \"deploy-prod-backend-approved\" step 1"))
    #expect(crash.contains("exit status 3"))
    #expect(crash.contains("boom"))
    #expect(
      byID["deploy-staging-backend-latest-tag#1"]?.failure?.contains("no answer within 3 s")
        == true)
    #expect(byID["clarify-service-then-status#1"]?.failure?.contains("not JSON") == true)
    // The steps after each failure were asked of a new process, which answered.
    for id in ["deploy-staging-backend-latest-tag#2", "clarify-service-then-status#2"] {
      #expect(byID[id]?.verdict == .invalidOutput, "\(id)")
      #expect(byID[id]?.failure?.contains("undecided at step 2") == true, "\(id)")
    }
    #expect(run.stderr.contains("step 1"))
  }

  /// An answer line longer than the line limit is a source error for that step, read
  /// without keeping the line; the next step is asked of a new process.
  @Test func anOverlongAnswerLineIsASourceErrorForThatStep() async throws {
    let directory = try suite(
      """
      name: verbose
      agent: {command: [python3, verbose.py]}
      intents: {list_git_tags: sync, deploy_backend: approval, done_for_now: terminal}
      fixtures: [threads/*.jsonl]
      modes: [step]
      """,
      files: [
        "verbose.py": """
        from json import dumps, loads
        from sys import stdin
        for line in stdin:
            request = loads(line)
            if (request["thread"], request["step"]) == ("clarify-service-then-status", 1):
                print(dumps({"error": "x" * (3 << 20)}), flush=True)
                continue
            print(dumps({"error": "undecided at step %d" % request["step"]}), flush=True)
        """
      ])
    let stdout = CapturedOutput()
    let stderr = CapturedOutput()
    var environment = Self.environment
    environment["REFOLD_MAX_LINE_BYTES"] = String(1 << 20)
    let code = await CLI.run(
      arguments: [
        "eval", directory.path("suite.yaml"), "--db", directory.path("refold.sqlite"),
        "--out", directory.path("out"), "--concurrency", "1",
      ], stdout: stdout, stderr: stderr, environment: environment)
    #expect(code == 3, "\(stderr.text)")
    let results = try ResultsReader.read(from: directory.path("out/results.json"))
    let errors = results.cases.filter { $0.verdict == .sourceError }
    #expect(errors.map(\.id) == ["clarify-service-then-status#1"])
    let failure = errors.first?.failure ?? ""
    #expect(failure.contains("thread \"clarify-service-then-status\" step 1"))
    #expect(failure.contains("longer than the limit of 1 MiB"))
    let next = results.cases.first { $0.id == "clarify-service-then-status#2" }
    #expect(next?.failure?.contains("undecided at step 2") == true)
  }

  /// An HTTP agent gets each request as a POST of the protocol's body.
  @Test func httpAgentIsAskedByPost() async throws {
    let server = try await ProviderServer(routes: ["POST /next-step"]) { _, request in
      let body = request.json
      let events = body?["events"]?.arrayValue ?? []
      let last = events.last?["type"]?.stringValue
      let answer: JSONValue =
        last == "deploy_backend_result"
        ? [
          "intent": "done_for_now", "params": ["message": "Backend v1.4.2 is live on production."],
        ]
        : ["intent": "deploy_backend", "params": ["environment": "production", "tag": "v1.4.2"]]
      return .json(answer)
    }
    let directory = try suite(
      """
      name: over-http
      agent: {url: "http://127.0.0.1:\(server.port)/next-step", timeout: 5}
      intents: {deploy_backend: approval, done_for_now: terminal}
      fixtures: [threads/deploy-prod-backend-approved.jsonl]
      modes: [step, loop]
      """)
    let run = await refold([
      "eval", directory.path("suite.yaml"), "--db", directory.path("refold.sqlite"),
      "--out", directory.path("out"),
    ])
    await server.stop()
    #expect(run.code == 0, "\(run.stderr)")
    let results = try ResultsReader.read(from: directory.path("out/results.json"))
    #expect(results.summary.decisions == 2)
    #expect(results.summary.casePassRate.passed == 3)
    #expect(results.summary.loop?.passRate.passed == 1)
    let received = server.received
    #expect(received.count == 4)
    let first = received.first?.json
    #expect(first?["protocol"]?.stringValue == "refold.next-step/v1")
    #expect(first?["suite"]?.stringValue == "over-http")
    #expect(first?["variant"]?.stringValue == "default")
    #expect(first?["thread"]?.stringValue == "deploy-prod-backend-approved")
    #expect(first?["step"] == .int(0))
    #expect(first?["events"]?.arrayValue?.count == 1)
    #expect(first?["events"]?.arrayValue?.first?["id"] != nil)
    #expect(first?["events"]?.arrayValue?.first?["thread"] == nil)
  }
}
