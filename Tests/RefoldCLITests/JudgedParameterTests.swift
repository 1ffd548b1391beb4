import Foundation
import RefoldCLI
import RefoldCore
import RefoldEval
import RefoldReport
import RefoldShared
import RefoldTestSupport
import RefoldTesting
import Testing

/// `judge` and `similar` matchers end to end: a suite whose judge and embeddings models are
/// real HTTP servers on 127.0.0.1, recorded into their own cassettes and replayed with the
/// servers gone.
@Suite(.serialized) struct JudgedParameterTests {
  static let thread = "deploy-staging-backend-latest-tag"

  func refold(_ arguments: [String], environment: [String: String] = [:]) async -> (
    code: Int32, stdout: String, stderr: String
  ) {
    let stdout = CapturedOutput()
    let stderr = CapturedOutput()
    let code = await CLI.run(
      arguments: arguments, stdout: stdout, stderr: stderr, environment: environment)
    return (code, stdout.text, stderr.text)
  }

  /// The deploy-bot suite on one thread, its final message matched by `matcher`, with the
  /// judge and embeddings models at `judgeURL`.
  func suite(matcher: String, judgeURL: String, models: String? = nil, thresholds: String = "")
    throws
    -> TemporaryDirectory
  {
    let directory = try deployBotSuiteCopy(threads: [Self.thread])
    try directory.write(
      "suite.yaml",
      """
      name: judged
      agent: agent.yaml
      fixtures: [threads/*.jsonl]
      expectations:
        - thread: "*"
          intents:
            done_for_now:
              message: \(matcher)
      cassette: cassettes/agent.jsonl
      modes: [step]
      \(thresholds)
      \(models ?? """
      judge: {provider: openai, model: judge-model, base_url: "\(judgeURL)"}
      embeddings: {model: embed-model, base_url: "\(judgeURL)"}
      """)
      """)
    return directory
  }

  /// A judge (chat completions) answering `content`, and an embeddings endpoint answering
  /// two fixed vectors.
  static func startJudge(content: String) async throws -> ProviderServer {
    try await ProviderServer(routes: ["POST /v1/chat/completions", "POST /v1/embeddings"]) {
      _, request in
      if request.path.hasSuffix("/embeddings") {
        return .json(
          .object([
            "object": "list",
            "data": .array([
              .object(["index": 0, "embedding": .array([1, 0, 0])]),
              .object(["index": 1, "embedding": .array([0.6, 0.8, 0])]),
            ]),
            "model": "embed-model", "usage": .object(["prompt_tokens": 12, "total_tokens": 12]),
          ]))
      }
      return .json(ProviderResponses.openAIContent(content))
    }
  }

  /// The first element of a JSON array.
  static func first(_ value: JSONValue?) -> JSONValue? {
    guard case .array(let elements)? = value else { return nil }
    return elements.first
  }

  func finalCase(_ path: String) throws -> CaseResult {
    let results = try ResultsReader.read(from: path)
    return try #require(results.cases.first { $0.expected?.name == "done_for_now" })
  }

  @Test func aPassingJudgeIsRecordedAndReplayedWithTheSameVerdictAndReason() async throws {
    let judge = try await Self.startJudge(
      content: #"{"pass": true, "reason": "It says the backend is live on staging."}"#)
    let agent = try await EvalCommandTests.startModel()
    let directory = try suite(
      matcher: #"{judge: "says the backend is deployed to staging"}"#, judgeURL: judge.baseURL)
    let recorded = await refold([
      "eval", directory.path("suite.yaml"), "--model", "record", "--base-url", agent.baseURL,
      "--db", directory.path("refold.sqlite"), "--out", directory.path("recorded"),
    ])
    let prompts = judge.received.map(\.text)
    await judge.stop()
    await agent.stop()
    #expect(recorded.code == 0, "\(recorded.stderr)")
    // One judge call, asked for the structured verdict with the rubric and both values.
    #expect(prompts.count == 1)
    let prompt = try #require(prompts.first)
    #expect(prompt.contains("says the backend is deployed to staging"))
    #expect(prompt.contains("Deployed."))
    #expect(prompt.contains("Backend v1.4.2 is live on staging"))
    #expect(prompt.contains("json_schema"))
    let cassette = try String(
      contentsOfFile: directory.path("cassettes/judge.jsonl"), encoding: .utf8)
    #expect(cassette.split(separator: "\n").count == 1)

    let first = try finalCase(directory.path("recorded/results.json"))
    #expect(first.verdict == .pass, "\(first)")
    #expect(
      first.judged == [
        JudgedParameter(
          path: "message", matcher: "judge", passed: true,
          reason: "It says the backend is live on staging.")
      ])
    let raw = try String(
      contentsOfFile: directory.path("recorded/results.json"), encoding: .utf8)
    #expect(raw.contains(#""judged""#))
    // A passing case's drill-down and junit.xml keep the judge's reason too.
    let html = try String(contentsOfFile: directory.path("recorded/report.html"), encoding: .utf8)
    #expect(html.contains("It says the backend is live on staging."))
    #expect(html.contains("Judged parameters"))
    let junit = try String(contentsOfFile: directory.path("recorded/junit.xml"), encoding: .utf8)
    #expect(
      junit.contains("judged message [judge] passed: It says the backend is live on staging."))

    // The servers are gone: the recorded judge gives the same verdict, twice.
    for out in ["replayed", "again"] {
      let replayed = await refold([
        "eval", directory.path("suite.yaml"), "--db", directory.path("refold.sqlite"), "--out",
        directory.path(out),
      ])
      #expect(replayed.code == 0, "\(replayed.stderr)")
      let again = try finalCase(directory.path("\(out)/results.json"))
      #expect(again.verdict == first.verdict)
      #expect(again.judged == first.judged)
    }

    // Another rubric is another judge request: a loud miss showing what changed.
    let suiteFile = directory.path("suite.yaml")
    let text = try String(contentsOfFile: suiteFile, encoding: .utf8)
    try text.replacingOccurrences(of: "deployed to staging", with: "deployed to production")
      .write(toFile: suiteFile, atomically: true, encoding: .utf8)
    let missed = await refold([
      "eval", suiteFile, "--db", directory.path("refold.sqlite"), "--out",
      directory.path("missed"),
    ])
    #expect(missed.code == 3, "\(missed.stderr)")
    #expect(missed.stderr.contains("parameter message: the judge model failed"), "\(missed.stderr)")
    #expect(missed.stderr.contains("deployed to production"), "\(missed.stderr)")
  }

  @Test func aFailingJudgeIsWrongParametersWithTheJudgesReason() async throws {
    let judge = try await Self.startJudge(
      content: #"{"pass": false, "reason": "It never names the environment."}"#)
    let agent = try await EvalCommandTests.startModel()
    let directory = try suite(
      matcher: #"{judge: "names the environment"}"#, judgeURL: judge.baseURL,
      thresholds: "thresholds: {min_judged_pass_rate: 0.5}")
    let run = await refold([
      "eval", directory.path("suite.yaml"), "--model", "record", "--base-url", agent.baseURL,
      "--db", directory.path("refold.sqlite"), "--out", directory.path("out"),
    ])
    await judge.stop()
    await agent.stop()
    // The judged rate is its own, gated by min_judged_pass_rate: 0 of 1 fails the gate.
    #expect(run.code == 1, "\(run.stdout)\n\(run.stderr)")
    #expect(run.stdout.contains("judged pass"), "\(run.stdout)")
    let results = try ResultsReader.read(from: directory.path("out/results.json"))
    let judged = try #require(results.summary.judged)
    #expect(judged.passRate.passed == 0 && judged.passRate.total == 1)
    #expect(judged.judgePassRate.total == 1 && judged.similarPassRate.total == 0)
    // Wilson 95% for 0 of 1: [0, z²/(1+z²)].
    let z = 1.959963984540054
    #expect(abs((judged.passRate.high ?? 0) - z * z / (1 + z * z)) < 1e-9)
    #expect(results.run.thresholds?["min_judged_pass_rate"] == 0.5)
    let result = try finalCase(directory.path("out/results.json"))
    #expect(result.verdict == .wrongParameters)
    #expect(result.judged?.first?.passed == false)
    let difference = try #require(result.parameterDiff?.first)
    #expect(difference.matcher == "judge")
    #expect(difference.reason == "the judge: It never names the environment.")
    let junit = try String(contentsOfFile: directory.path("out/junit.xml"), encoding: .utf8)
    #expect(junit.contains("It never names the environment."))
    // summary.md and the report's header show the judged rates apart from the exact
    // parameter accuracy, each with its Wilson interval (0 of 1: 0.0%–79.3%).
    let summary = try String(contentsOfFile: directory.path("out/summary.md"), encoding: .utf8)
    #expect(
      summary.contains("| Judged pass rate | 0.0% (0/1) | 0.0%–79.3% | ❌ ≥ 50.0% |"),
      "\(summary)")
    #expect(summary.contains("| · judge | 0.0% (0/1) | 0.0%–79.3% | – |"), "\(summary)")
    #expect(!summary.contains("· similar"))
    #expect(!summary.contains("Judge against people"))
    let html = try String(contentsOfFile: directory.path("out/report.html"), encoding: .utf8)
    #expect(html.contains("<dt>Judged pass rate</dt><dd>0.0% [0.0%–79.3%] · 0/1</dd>"))
    #expect(!html.contains("judge against people"))
  }

  @Test func aMalformedJudgeAnswerIsASourceErrorNamingTheParameter() async throws {
    let judge = try await Self.startJudge(content: "Yes, it looks fine to me.")
    let agent = try await EvalCommandTests.startModel()
    let directory = try suite(matcher: #"{judge: "says it is done"}"#, judgeURL: judge.baseURL)
    let run = await refold([
      "eval", directory.path("suite.yaml"), "--model", "record", "--base-url", agent.baseURL,
      "--db", directory.path("refold.sqlite"), "--out", directory.path("out"),
    ])
    await judge.stop()
    await agent.stop()
    #expect(run.code == 3, "\(run.stdout)\n\(run.stderr)")
    let result = try finalCase(directory.path("out/results.json"))
    #expect(result.verdict == .sourceError)
    #expect(
      result.failure
        == #"parameter message: the judge's answer is not a JSON object {"pass": bool, "reason": string}: Yes, it looks fine to me."#
    )
  }

  @Test func similarityComparesEmbeddingsByCosineAndReplaysWithTheServerGone() async throws {
    let server = try await Self.startJudge(content: "{}")
    let agent = try await EvalCommandTests.startModel()
    // The two vectors' cosine is 0.6: below 0.85, above 0.5.
    var replays: [TemporaryDirectory] = []
    for (minimum, passes) in [(0.85, false), (0.5, true)] {
      let directory = try suite(
        matcher: #"{similar: "Backend v1.4.2 is on staging", min: \#(minimum)}"#,
        judgeURL: server.baseURL)
      let recorded = await refold([
        "eval", directory.path("suite.yaml"), "--model", "record", "--base-url", agent.baseURL,
        "--db", directory.path("refold.sqlite"), "--out", directory.path("recorded"),
      ])
      #expect(recorded.code != 3, "\(recorded.stderr)")
      let result = try finalCase(directory.path("recorded/results.json"))
      #expect(
        result.judged == [
          JudgedParameter(
            path: "message", matcher: "similar", passed: passes, score: 0.6, minimum: minimum)
        ])
      #expect(result.verdict == (passes ? .pass : .wrongParameters))
      if !passes {
        #expect(result.parameterDiff?.first?.reason == "similarity 0.6 is below 0.85")
      }
      #expect(FileManager.default.fileExists(atPath: directory.path("cassettes/embeddings.jsonl")))
      replays.append(directory)
    }
    let requests = server.received
    await server.stop()
    await agent.stop()
    let embeddingRequests = requests.filter { $0.path.hasSuffix("/embeddings") }
    #expect(embeddingRequests.count == 2)
    #expect(embeddingRequests.first?.text.contains("Deployed.") == true)
    for directory in replays {
      let replayed = await refold([
        "eval", directory.path("suite.yaml"), "--db", directory.path("refold.sqlite"), "--out",
        directory.path("replayed"),
      ])
      #expect(replayed.code != 3, "\(replayed.stderr)")
      let first = try finalCase(directory.path("recorded/results.json"))
      let again = try finalCase(directory.path("replayed/results.json"))
      #expect(again.judged == first.judged)
    }
  }

  @Test(arguments: ["tool", "text"])
  func anAnthropicJudgeSpeaksTheMessagesAPIAndReplaysWithTheServerGone(format: String)
    async throws
  {
    let reason = "It says the backend is live on staging."
    let judge = try await ProviderServer(routes: ["POST /v1/messages"]) { _, _ in
      if format == "tool" {
        return .json(
          ProviderResponses.anthropicToolUse(
            name: "verdict", input: ["pass": true, "reason": .string(reason)]))
      }
      return .json(
        ProviderResponses.anthropicText(
          "```json\n{\"pass\": true, \"reason\": \"\(reason)\"}\n```"))
    }
    let agent = try await EvalCommandTests.startModel()
    let directory = try suite(
      matcher: #"{judge: "says the backend is deployed to staging"}"#, judgeURL: judge.baseURL,
      models: "judge: {provider: anthropic, model: claude-judge, base_url: \"\(judge.baseURL)\", "
        + "api_key_env: JUDGE_KEY, response_format: \(format)}")
    let recorded = await refold(
      [
        "eval", directory.path("suite.yaml"), "--model", "record", "--base-url", agent.baseURL,
        "--db", directory.path("refold.sqlite"), "--out", directory.path("recorded"),
      ], environment: ["JUDGE_KEY": "sk-judge-0123456789abcdef"])
    let asked = judge.received
    await judge.stop()
    await agent.stop()
    #expect(recorded.code == 0, "\(recorded.stderr)")
    // One Messages request: the key and version in the headers, the prompt as the user turn,
    // max_tokens, and with `tool` the verdict tool forced.
    #expect(asked.count == 1)
    let request = try #require(asked.first)
    #expect(request.path == "/v1/messages")
    #expect(request.headers["x-api-key"] == "sk-judge-0123456789abcdef")
    #expect(request.headers["anthropic-version"] != nil)
    let body = try JSONParser.parse(request.text)
    #expect(body["model"] == "claude-judge")
    #expect(body["max_tokens"] == .int(1024))
    #expect(body["temperature"] == .int(0) || body["temperature"] == .double(0))
    guard case .string(let prompt)? = Self.first(body["messages"])?["content"] else {
      Issue.record("no user turn in \(request.text)")
      return
    }
    #expect(prompt.contains("says the backend is deployed to staging"))
    #expect(body["response_format"] == nil)
    if format == "tool" {
      #expect(body["tool_choice"] == ["type": "tool", "name": "verdict"])
      #expect(Self.first(body["tools"])?["input_schema"]?["required"] == ["pass", "reason"])
    } else {
      #expect(body["tools"] == nil && body["tool_choice"] == nil)
    }
    let cassette = try String(
      contentsOfFile: directory.path("cassettes/judge.jsonl"), encoding: .utf8)
    #expect(cassette.split(separator: "\n").count == 1)
    #expect(cassette.contains(#""provider":"anthropic""#))
    #expect(!cassette.contains("sk-judge"))
    let first = try finalCase(directory.path("recorded/results.json"))
    #expect(first.verdict == .pass, "\(first)")
    #expect(
      first.judged == [
        JudgedParameter(path: "message", matcher: "judge", passed: true, reason: reason)
      ])

    // The server is gone and no key is set: the recorded judge gives the same verdict.
    let replayed = await refold([
      "eval", directory.path("suite.yaml"), "--db", directory.path("refold.sqlite"), "--out",
      directory.path("replayed"),
    ])
    #expect(replayed.code == 0, "\(replayed.stderr)")
    #expect(try finalCase(directory.path("replayed/results.json")).judged == first.judged)
  }

  @Test func anAnthropicVerdictWithoutPassIsASourceErrorAndAnUnknownFormatIsRefused()
    async throws
  {
    let judge = try await ProviderServer(routes: ["POST /v1/messages"]) { _, _ in
      .json(ProviderResponses.anthropicToolUse(name: "verdict", input: ["reason": "fine"]))
    }
    let agent = try await EvalCommandTests.startModel()
    let directory = try suite(
      matcher: #"{judge: "says it is done"}"#, judgeURL: judge.baseURL,
      models: "judge: {provider: anthropic, model: claude-judge, base_url: \"\(judge.baseURL)\"}")
    let run = await refold([
      "eval", directory.path("suite.yaml"), "--model", "record", "--base-url", agent.baseURL,
      "--db", directory.path("refold.sqlite"), "--out", directory.path("out"),
    ])
    await judge.stop()
    await agent.stop()
    #expect(run.code == 3, "\(run.stdout)\n\(run.stderr)")
    let result = try finalCase(directory.path("out/results.json"))
    #expect(result.verdict == .sourceError)
    #expect(
      result.failure
        == #"parameter message: the judge's answer has no boolean "pass": {"reason":"fine"}"#)

    // json_object is an OpenAI-compatible format; an Anthropic judge takes tool or text.
    let wrong = try suite(
      matcher: #"{judge: "says it is done"}"#, judgeURL: "http://127.0.0.1:9/v1",
      models: "judge: {provider: anthropic, model: claude-judge, response_format: json_object}")
    let refused = await refold([
      "eval", wrong.path("suite.yaml"), "--db", wrong.path("refold.sqlite"), "--out",
      wrong.path("out"),
    ])
    #expect(refused.code == 2, "\(refused.stderr)")
    #expect(
      refused.stderr.contains("expected tool or text for an anthropic judge"), "\(refused.stderr)")
    #expect(refused.stderr.contains("suite.yaml:12"), "\(refused.stderr)")
  }

  @Test func malformedMatchersAndMissingModelsAreInvalidInputWithTheirLine() async throws {
    let cases: [(matcher: String, models: String?, message: String)] = [
      (#"{similar: "x", min: 2}"#, nil, "suite.yaml:8"),
      (#"{judge: ""}"#, nil, "expected a rubric"),
      (#"{judge: "x", min: 0.5}"#, nil, "min belongs to the similar matcher"),
      (#"{judge: "names the environment"}"#, "", "the judge matcher needs a judge model"),
      (#"{similar: "staging"}"#, "", "the similar matcher needs an embeddings model"),
    ]
    for entry in cases {
      let directory = try suite(
        matcher: entry.matcher, judgeURL: "http://127.0.0.1:9/v1", models: entry.models)
      let run = await refold([
        "eval", directory.path("suite.yaml"), "--db", directory.path("refold.sqlite"), "--out",
        directory.path("out"),
      ])
      #expect(run.code == 2, "\(entry.matcher): \(run.stderr)")
      #expect(run.stderr.contains(entry.message), "\(entry.matcher): \(run.stderr)")
      #expect(run.stderr.contains("suite.yaml:8"), "\(entry.matcher): \(run.stderr)")
    }
  }

  @Test(arguments: [
    ("Grade this.\n{{rubric}}\n{{#actual}}unclosed\n", "judge.mustache:3"),
    ("Grade this.\n\n{{#verdicts}}{{rubric}}{{/verdicts}}\n", "judge.mustache:3"),
    ("Grade {{rubric}}.\n{{actaul}}\n", "judge.mustache:2"),
  ])
  func aBrokenJudgeTemplateIsInvalidInputBeforeAnythingRuns(template: String, place: String)
    async throws
  {
    let directory = try suite(
      matcher: #"{judge: "says it is done"}"#, judgeURL: "http://127.0.0.1:9/v1",
      models: #"judge: {model: judge-model, base_url: "http://127.0.0.1:9/v1", "#
        + "prompt: judge.mustache}")
    try directory.write("judge.mustache", template)
    let run = await refold([
      "eval", directory.path("suite.yaml"), "--db", directory.path("refold.sqlite"), "--out",
      directory.path("out"),
    ])
    // Validation refuses it with the template's line; no case was asked, nothing written.
    #expect(run.code == 2, "\(run.stderr)")
    #expect(run.stderr.contains(place), "\(run.stderr)")
    #expect(!run.stderr.contains("cassette"), "\(run.stderr)")
    #expect(!FileManager.default.fileExists(atPath: directory.path("out/results.json")))
    let check = await refold(["judge", "check", directory.path("suite.yaml")])
    #expect(check.code == 2, "\(check.stderr)")
    #expect(check.stderr.contains(place), "\(check.stderr)")
  }

  @Test func anUnreadableJudgeTemplateNamesWhereTheSuiteNamesIt() async throws {
    let directory = try suite(
      matcher: #"{judge: "says it is done"}"#, judgeURL: "http://127.0.0.1:9/v1",
      models: #"judge: {model: judge-model, base_url: "http://127.0.0.1:9/v1", "#
        + "prompt: nowhere.mustache}")
    let run = await refold([
      "eval", directory.path("suite.yaml"), "--db", directory.path("refold.sqlite"), "--out",
      directory.path("out"),
    ])
    #expect(run.code == 2, "\(run.stderr)")
    #expect(run.stderr.contains("nowhere.mustache: cannot read the judge prompt"), "\(run.stderr)")
    #expect(run.stderr.contains("(prompt: in \(directory.path("suite.yaml")):12)"), "\(run.stderr)")
  }

  @Test func aRecordedJudgeWithoutItsCassetteIsASourceFailure() async throws {
    let directory = try suite(
      matcher: #"{judge: "says it is done"}"#, judgeURL: "http://127.0.0.1:9/v1")
    try FileManager.default.createDirectory(
      atPath: directory.path("cassettes"), withIntermediateDirectories: true)
    try directory.write("cassettes/agent.jsonl", "")
    let run = await refold([
      "eval", directory.path("suite.yaml"), "--db", directory.path("refold.sqlite"), "--out",
      directory.path("out"),
    ])
    #expect(run.code == 3, "\(run.stderr)")
    #expect(run.stderr.contains("cassettes/judge.jsonl"), "\(run.stderr)")
  }

  @Test func judgeCheckReportsAgreementKappaAndDisagreementsAndReplays() async throws {
    // The judge passes a message that names v1.4.2; the people passed two of four.
    let judge = try await ProviderServer { _, request in
      let body = try JSONParser.parse(request.text)
      guard case .array(let messages)? = body["messages"],
        case .string(let prompt)? = messages.first?["content"],
        let start = prompt.range(of: "<actual>"), let end = prompt.range(of: "</actual>")
      else { return .json(ProviderResponses.openAIContent("no prompt")) }
      let actual = prompt[start.upperBound..<end.lowerBound]
      let passes = actual.contains("v1.4.2")
      return .json(
        ProviderResponses.openAIContent(
          #"{"pass": \#(passes), "reason": "\#(passes ? "names v1.4.2" : "another tag")"}"#))
    }
    let threads = [
      ("deploy-staging-backend-latest-tag", 6, "pass"),
      ("clarify-environment-then-deploy", 6, "fail"),
      ("deploy-prod-denied-staging-first", 6, "fail"), ("retry-wrong-tag-format", 7, "pass"),
    ]
    let directory = try deployBotSuiteCopy(threads: threads.map(\.0))
    let entries = threads.map { thread, seq, human in
      """
        - thread: \(thread)
          steps:
            - seq: \(seq)
              parameters:
                message: {judge: "reports the deployment of v1.4.2", human: \(human)}
      """
    }
    try directory.write(
      "suite.yaml",
      """
      name: labelled
      agent: agent.yaml
      fixtures: [threads/*.jsonl]
      expectations:
      \(entries.joined(separator: "\n"))
      judge: {model: judge-model, base_url: "\(judge.baseURL)", response_format: json_object}
      """)
    let recorded = await refold([
      "judge", "check", directory.path("suite.yaml"), "--model", "record",
    ])
    let asked = judge.received.map(\.text)
    await judge.stop()
    // llama.cpp's servers take the schema beside json_object.
    #expect(asked.count == 4)
    #expect(asked.allSatisfy { $0.contains(#""type":"json_object""#) && $0.contains("schema") })
    #expect(recorded.code == 0, "\(recorded.stderr)")
    // Pairs (human, judge): (P,P) (F,P) (F,F) (P,P). Observed agreement 3/4; chance
    // 0.5·0.75 + 0.5·0.25 = 0.5; kappa (0.75 − 0.5) / (1 − 0.5) = 0.5.
    #expect(
      recorded.stdout.contains("4 labels, agreement 75.0% (3/4), Cohen's kappa 0.50"),
      "\(recorded.stdout)")
    #expect(
      recorded.stdout.contains(
        "clarify-environment-then-deploy#2 message: human fail, judge pass (names v1.4.2)"),
      "\(recorded.stdout)")
    let replayed = await refold(["judge", "check", directory.path("suite.yaml")])
    #expect(replayed.code == 0, "\(replayed.stderr)")
    #expect(replayed.stdout == recorded.stdout)
  }

  @Test func theDemoSuiteReportsItsJudgeAgainstPeopleInEveryOutput() async throws {
    // The demo's labels, read from its expectations: (thread, human) per labelled message.
    let expectations = try String(
      contentsOfFile: Repository.root + "/evals/deploybot/expectations.yaml", encoding: .utf8)
    let labels = expectations.split(separator: "\n").filter { $0.contains("human: ") }
    let humanPassed = labels.filter { $0.contains("human: pass") }.count
    #expect(labels.count == 10 && humanPassed == 5)

    let directory = try TemporaryDirectory()
    let run = await refold([
      "eval", Repository.root + "/evals/deploybot", "--db", directory.path("d.sqlite"), "--out",
      directory.path("out"),
    ])
    #expect(run.code == 0, "\(run.stderr)")
    let check = await refold(["judge", "check", Repository.root + "/evals/deploybot"])
    #expect(check.code == 0, "\(check.stderr)")

    // Every variant's run keeps the same check, and `judge check` says the same.
    for variant in ["baseline", "concise-json"] {
      let results = try ResultsReader.read(from: directory.path("out/\(variant)/results.json"))
      let calibration = try #require(results.summary.judgeCalibration)
      #expect(calibration.labels == labels.count)
      #expect(calibration.humanPassed == humanPassed)
      // No decision of the tiny agent model chose done_for_now where the golden thread did,
      // so no closing message was judged in the run itself.
      #expect(results.summary.judged == nil)
      // Kappa from the counts alone: observed agreement, and chance from each rater's rate.
      let count = Double(calibration.labels)
      let observed = Double(calibration.agreement.passed) / count
      let human = Double(calibration.humanPassed) / count
      let judge = Double(calibration.judgePassed) / count
      let chance = human * judge + (1 - human) * (1 - judge)
      #expect(abs((calibration.kappa ?? 99) - (observed - chance) / (1 - chance)) < 1e-9)
      #expect(calibration.disagreements.count == calibration.labels - calibration.agreement.passed)
      #expect(calibration.disagreements.allSatisfy { $0.human != $0.judge })
      let agreed = calibration.agreement.passed
      #expect(
        check.stdout.contains(
          "10 labels, agreement "
            + String(
              format: "%.1f%% (%d/10), Cohen's kappa %.2f", observed * 100, agreed,
              calibration.kappa ?? 0)), "\(check.stdout)")
      #expect(
        run.stdout.contains(
          "judge against people: 10 labels, agreement "
            + String(
              format: "%.1f%% [%.1f–%.1f] %d/10, kappa %.2f", observed * 100,
              (calibration.agreement.low ?? 0) * 100, (calibration.agreement.high ?? 0) * 100,
              agreed, calibration.kappa ?? 0)), "\(run.stdout)")
    }
    // summary.md and the report's header show it, with each disagreement.
    let summary = try String(contentsOfFile: directory.path("out/summary.md"), encoding: .utf8)
    #expect(summary.contains("**Judge against people:** agreement "), "\(summary)")
    #expect(summary.contains("on 10 human labels"))
    let html = try String(contentsOfFile: directory.path("out/report.html"), encoding: .utf8)
    #expect(html.contains("<dt>judge against people</dt>"))
    #expect(html.contains("id=\"judge-disagreements\""))
    // junit.xml carries it on each variant's gate suite, a property per disagreement.
    let junit = try String(contentsOfFile: directory.path("out/junit.xml"), encoding: .utf8)
    let calibration = try #require(
      ResultsReader.read(from: directory.path("out/baseline/results.json")).summary
        .judgeCalibration)
    #expect(
      junit.components(separatedBy: "<property name=\"judge_agreement\" value=\"agreement ")
        .count == 3, "\(junit.prefix(2000))")
    #expect(
      junit.components(separatedBy: "<property name=\"judge_disagreement\"").count
        == 1 + 2 * calibration.disagreements.count)
  }

  @Test func aJudgeThatCannotAnswerALabelStopsTheEvaluationBeforeAnyCase() async throws {
    let judge = try await ProviderServer { _, _ in
      .json(ProviderResponses.openAIContent("Looks fine."))
    }
    let directory = try deployBotSuiteCopy(threads: [Self.thread])
    try directory.write(
      "suite.yaml",
      """
      name: labelled
      agent: agent.yaml
      fixtures: [threads/*.jsonl]
      expectations:
        - thread: \(Self.thread)
          steps:
            - seq: 6
              parameters:
                message: {judge: "says the backend is on staging", human: pass}
      cassette: cassettes/agent.jsonl
      modes: [step]
      judge: {model: judge-model, base_url: "\(judge.baseURL)"}
      """)
    let run = await refold([
      "eval", directory.path("suite.yaml"), "--model", "record", "--base-url",
      "http://127.0.0.1:9/v1", "--db", directory.path("refold.sqlite"), "--out",
      directory.path("out"),
    ])
    let asked = judge.received.count
    await judge.stop()
    // The label is asked once, its answer is no verdict: exit 3 naming the label, no case run.
    #expect(asked == 1)
    #expect(run.code == 3, "\(run.stdout)\n\(run.stderr)")
    #expect(
      run.stderr.contains(
        "parameter message: the human label of \(Self.thread)#2: the judge's answer is not a JSON object"
      ), "\(run.stderr)")
    #expect(!FileManager.default.fileExists(atPath: directory.path("out/results.json")))
  }

  @Test func kappaMatchesHandComputedValues() {
    // 20 items: both pass 8, both fail 7, human pass/judge fail 2, human fail/judge pass 3.
    // Observed 15/20 = 0.75; human pass 10/20, judge pass 11/20; chance 0.5·0.55 + 0.5·0.45
    // = 0.5; kappa 0.5.
    var pairs: [(Bool, Bool)] = []
    pairs += Array(repeating: (true, true), count: 8)
    pairs += Array(repeating: (false, false), count: 7)
    pairs += Array(repeating: (true, false), count: 2)
    pairs += Array(repeating: (false, true), count: 3)
    #expect(abs((JudgeCalibration.kappa(pairs) ?? 0) - 0.5) < 1e-12)
    // Perfect agreement with both raters varied: 1; with one rater constant: undefined.
    #expect(JudgeCalibration.kappa([(true, true), (false, false)]) == 1)
    #expect(JudgeCalibration.kappa([(true, true), (true, true)]) == nil)
    // Systematic disagreement: −1.
    #expect(JudgeCalibration.kappa([(true, false), (false, true)]) == -1)
  }
}
