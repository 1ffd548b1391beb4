import Foundation
import RefoldCLI
import RefoldCore
import RefoldReport
import RefoldShared
import RefoldTestSupport
import RefoldTesting
import Testing

/// `refold context`, `ask`, `why` and `eval --thread` end to end: the demo suite from its
/// cassettes, a model on 127.0.0.1 whose answers depend on chosen events, and the example
/// external agent as a subprocess.
@Suite(.serialized) struct OnCallTests {
  static let demo = "\(Repository.root)/evals/deploybot"
  static let rulesAgent = "\(Repository.root)/examples/rules-agent"
  static let environment = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]

  func refold(_ arguments: [String]) async -> (code: Int32, stdout: String, stderr: String) {
    let stdout = CapturedOutput()
    let stderr = CapturedOutput()
    let code = await CLI.run(
      arguments: arguments, stdout: stdout, stderr: stderr, environment: Self.environment)
    return (code, stdout.text, stderr.text)
  }

  func json(_ text: String) throws -> JSONValue { try JSONParser.parse(text) }

  /// The cassette line recorded for `key`, parsed.
  func cassetteRequest(_ path: String, key: String) throws -> JSONValue? {
    let text = try String(contentsOfFile: path, encoding: .utf8)
    for line in text.split(separator: "\n") {
      let value = try JSONParser.parse(String(line))
      if value["key"]?.stringValue == key { return value["request"] }
    }
    return nil
  }

  /// `eval --thread` scores one golden thread of the demo suite; `context` at each of its
  /// steps is the request the evaluation sent (its cassette key, its rendered context and
  /// the cassette's recorded body), and `ask` answers what the evaluation scored, byte for
  /// byte.
  @Test(arguments: ["deploy-staging-backend-latest-tag", "retry-wrong-tag-format"])
  func contextAndAskReproduceTheRecordedDecisions(thread: String) async throws {
    let scratch = try TemporaryDirectory()
    let eval = await refold([
      "eval", Self.demo, "--variant", "baseline", "--mode", "step", "--thread", thread,
      "--db", scratch.path("refold.sqlite"), "--out", scratch.path("out"),
    ])
    #expect(eval.code == 0 || eval.code == 1, "\(eval.stderr)")
    let results = try ResultsReader.read(from: scratch.path("out/results.json"))
    #expect(!results.cases.isEmpty)
    #expect(results.cases.allSatisfy { $0.thread == thread })
    for scored in results.cases {
      let step = try #require(scored.step)
      let context = await refold([
        "context", thread, "--at", "\(step)", "--suite", Self.demo, "--json",
        "--db", scratch.path("refold.sqlite"),
      ])
      #expect(context.code == 0, "\(context.stderr)")
      let document = try json(context.stdout)
      let key = try #require(document["key"]?.stringValue)
      #expect(key == scored.exchangeKey)
      if let kept = scored.context { #expect(document["rendered"]?.stringValue == kept) }
      let recorded = try cassetteRequest("\(Self.demo)/cassettes/baseline.jsonl", key: key)
      #expect(recorded?.canonicalString == document["request"]?.canonicalString)
      #expect(document["recorded"]?["intent"]?.stringValue == scored.expected?.name)

      let ask = await refold([
        "ask", "\(thread)#\(step)", "--suite", Self.demo, "--json",
        "--db", scratch.path("refold.sqlite"),
      ])
      #expect(ask.code == 0, "\(ask.stderr)")
      let answer = try #require(try json(ask.stdout)["variants"]?.arrayValue?.first?["answers"]?[0])
      #expect(answer["verdict"]?.stringValue == scored.verdict.rawValue)
      #expect(answer["intent"]?.stringValue == scored.actual?.name)
      #expect(answer["params"]?.canonicalString == scored.actual?.parameters.canonicalString)
      #expect(answer["key"]?.stringValue == scored.exchangeKey)
      #expect(answer["failure"]?.stringValue == scored.failure)
    }
    // The text form shows the recorded decision beside the asked one.
    let text = await refold(["ask", thread, "--at", "0", "--suite", Self.demo])
    #expect(text.code == 0, "\(text.stderr)")
    let first = try #require(results.cases.first { $0.step == 0 }?.expected)
    #expect(
      text.stdout.contains("recorded  \(first.name) \(first.parameters.canonicalString)"))
    #expect(text.stdout.contains("baseline  "))
  }

  /// Two variants side by side: each answers from its own cassette.
  @Test func askShowsVariantsSideBySide() async throws {
    let run = await refold([
      "ask", "deploy-staging-backend-latest-tag#1", "--suite", Self.demo,
      "--variant", "baseline", "--variant", "concise-json", "--json",
    ])
    #expect(run.code == 0, "\(run.stderr)")
    let variants = try #require(try json(run.stdout)["variants"]?.arrayValue)
    #expect(variants.compactMap { $0["variant"]?.stringValue } == ["baseline", "concise-json"])
    let keys = variants.compactMap { $0["answers"]?[0]?["key"]?.stringValue }
    #expect(keys.count == 2 && keys[0] != keys[1])
  }

  /// A suite of the deploy-bot agent on one thread whose seqs 2, 3 and 4 carry markers a
  /// test model answers on.
  func markedSuite() throws -> TemporaryDirectory {
    let directory = try deployBotSuiteCopy(threads: [])
    try directory.write(
      "suite.yaml",
      """
      name: marked
      agent: agent.yaml
      fixtures: [threads/*.jsonl]
      cassette: cassettes/{variant}.jsonl
      modes: [step]
      """)
    let lines = [
      #"{"thread":"marked","type":"slack_message","data":{"from":"@alex","text":"ship the backend to staging"}}"#,
      #"{"thread":"marked","type":"list_git_tags","data":{}}"#,
      #"{"thread":"marked","type":"list_git_tags_result","data":{"tags":["MARK-A-v1.4.2","v1.4.1"]}}"#,
      #"{"thread":"marked","type":"slack_message","data":{"from":"@sam","text":"MARK-B staging is free"}}"#,
      #"{"thread":"marked","type":"slack_message","data":{"from":"@kim","text":"MARK-C go ahead"}}"#,
      #"{"thread":"marked","type":"deploy_backend","data":{"environment":"staging","tag":"MARK-A-v1.4.2"}}"#,
    ]
    try directory.write("threads/marked.jsonl", lines.joined(separator: "\n") + "\n")
    return directory
  }

  /// A model that deploys when `decides` holds for the request, and lists tags otherwise.
  static func model(_ decides: @escaping @Sendable (String) -> Bool) async throws
    -> ProviderServer
  {
    try await ProviderServer { _, request in
      let arguments =
        decides(request.text)
        ? #"{"intent":"deploy_backend","tag":"MARK-A-v1.4.2","environment":"staging"}"#
        : #"{"intent":"list_git_tags"}"#
      return .json(ProviderResponses.openAIToolCall(name: "next_step", arguments: arguments))
    }
  }

  /// `why` finds exactly the events the model's answer depends on, one event (seq 2) or a
  /// pair of which either suffices (seqs 3 and 4, neither flipping it alone), within its
  /// budget; asked again from its cassette with the model gone, it replays exactly.
  @Test(arguments: [("single", [2]), ("pair", [3, 4])])
  func whyFindsTheDecidingEvents(dependency: String, deciding: [Int]) async throws {
    let directory = try markedSuite()
    let server = try await Self.model { text in
      dependency == "single"
        ? text.contains("MARK-A") : text.contains("MARK-B") || text.contains("MARK-C")
    }
    let arguments = [
      "why", "marked#1", "--suite", directory.path("suite.yaml"), "--budget", "16", "--json",
      "--db", directory.path("refold.sqlite"),
    ]
    let live = await refold(arguments + ["--model", "live", "--base-url", server.baseURL])
    let asked = server.received.count
    await server.stop()
    #expect(live.code == 0, "\(live.stderr)")
    let report = try json(live.stdout)
    #expect(report["minimal"]?.arrayValue?.compactMap(\.intValue) == deciding)
    #expect(report["one_minimal"]?.boolValue == true)
    #expect(report["budget_spent"]?.boolValue == false)
    let calls = try #require(report["calls"]?.intValue)
    #expect(calls <= 16 && calls == asked)
    #expect(report["decision"]?["intent"]?.stringValue == "deploy_backend")
    #expect(report["minimal_decision"]?.stringValue == "list_git_tags {}")
    let flipsAlone = report["events"]?.arrayValue?.filter {
      $0["alone"]?["flips"]?.boolValue == true
    }.compactMap { $0["seq"]?.intValue }
    #expect(flipsAlone == (dependency == "single" ? [2] : []))
    #expect(FileManager.default.fileExists(atPath: directory.path("cassettes/default.why.jsonl")))

    let replayed = await refold(arguments + ["--model", "recorded"])
    #expect(replayed.code == 0, "\(replayed.stderr)")
    var expected = report.objectValue ?? [:]
    expected["model"] = "recorded"
    #expect(try json(replayed.stdout) == .object(expected))

    let text = await refold(
      Array(arguments.dropLast(3)) + ["--model", "recorded", "--html", directory.path("why.html")])
    #expect(text.code == 0, "\(text.stderr)")
    #expect(text.stdout.contains("smallest set whose removal flips it: seq \(deciding[0])"))
    let page = try String(contentsOfFile: directory.path("why.html"), encoding: .utf8)
    #expect(page.components(separatedBy: "<tr class=\"deciding\">").count == deciding.count + 1)
  }

  /// A budget too small for the search says so and keeps what it found.
  @Test func whyStopsAtItsBudget() async throws {
    let directory = try markedSuite()
    let server = try await Self.model { $0.contains("MARK-B") || $0.contains("MARK-C") }
    let run = await refold([
      "why", "marked#1", "--suite", directory.path("suite.yaml"), "--budget", "4", "--json",
      "--model", "live", "--base-url", server.baseURL,
    ])
    let asked = server.received.count
    await server.stop()
    #expect(run.code == 0, "\(run.stderr)")
    let report = try json(run.stdout)
    #expect(report["budget_spent"]?.boolValue == true)
    #expect(report["calls"]?.intValue == 4 && asked == 4)
  }

  /// `--times 10` against a model that answers 7 times in 10 one way: the distribution with
  /// Wilson intervals.
  @Test func timesPrintsTheDistributionWithWilsonIntervals() async throws {
    let directory = try markedSuite()
    let server = try await ProviderServer { attempt, _ in
      let arguments =
        (attempt - 1) % 10 < 7
        ? #"{"intent":"deploy_backend","tag":"MARK-A-v1.4.2","environment":"staging"}"#
        : #"{"intent":"list_git_tags"}"#
      return .json(ProviderResponses.openAIToolCall(name: "next_step", arguments: arguments))
    }
    let arguments = [
      "ask", "marked", "--at", "1", "--suite", directory.path("suite.yaml"), "--times", "10",
      "--model", "live", "--base-url", server.baseURL,
    ]
    let run = await refold(arguments + ["--json"])
    let text = await refold(arguments)
    await server.stop()
    #expect(run.code == 0, "\(run.stderr)")
    let distribution = try #require(
      try json(run.stdout)["variants"]?[0]?["distribution"]?.arrayValue)
    #expect(distribution.compactMap { $0["count"]?.intValue } == [7, 3])
    #expect(distribution.first?["verdict"]?.stringValue == "pass")
    let wilson = Statistics.wilson(passed: 7, total: 10)
    #expect(distribution.first?["low"]?.doubleValue == wilson.low)
    #expect(distribution.first?["high"]?.doubleValue == wilson.high)
    #expect(text.stdout.contains("7/10   70.0% [39.7–89.2]  deploy_backend"), "\(text.stdout)")
    #expect(text.stdout.contains("3/10   30.0% [10.8–60.3]  list_git_tags {}"), "\(text.stdout)")
  }

  /// Edits change what the model sees and so what it answers; the store and the files are
  /// not touched.
  @Test func editsChangeTheAnswerWithoutTouchingTheThread() async throws {
    let directory = try markedSuite()
    let before = try String(contentsOfFile: directory.path("threads/marked.jsonl"), encoding: .utf8)
    let server = try await Self.model { $0.contains("v9.9.9") }
    let base = [
      "ask", "marked#1", "--suite", directory.path("suite.yaml"), "--json", "--model", "live",
      "--base-url", server.baseURL,
    ]
    let plain = await refold(base)
    let set = await refold(base + ["--set", #"2.tags[1]="v9.9.9""#])
    let inserted = await refold(
      base + [
        "--drop", "2", "--insert-after", "1", "list_git_tags_result", #"{"tags":["v9.9.9"]}"#,
      ])
    let context = await refold([
      "context", "marked#1", "--suite", directory.path("suite.yaml"), "--set",
      #"2.tags[1]="v9.9.9""#,
    ])
    await server.stop()
    for run in [plain, set, inserted, context] { #expect(run.code == 0, "\(run.stderr)") }
    func intent(_ run: (code: Int32, stdout: String, stderr: String)) throws -> String? {
      try json(run.stdout)["variants"]?[0]?["answers"]?[0]?["intent"]?.stringValue
    }
    #expect(try intent(plain) == "list_git_tags")
    #expect(try intent(set) == "deploy_backend")
    #expect(try intent(inserted) == "deploy_backend")
    #expect(context.stdout.contains("v9.9.9"))
    #expect(
      try String(contentsOfFile: directory.path("threads/marked.jsonl"), encoding: .utf8)
        == before)
  }

  /// The example external agent: `context` prints the next-step request line it is sent,
  /// `ask` its answer beside the recorded decision, as `eval` scores it.
  @Test func contextAndAskWithAnExternalAgent() async throws {
    let context = await refold([
      "context", "clarify-service-then-status#0", "--suite", Self.rulesAgent, "--json",
    ])
    #expect(context.code == 0, "\(context.stderr)")
    let document = try json(context.stdout)
    #expect(document["agent"]?.stringValue == "external")
    let request = try #require(document["request"])
    #expect(request["protocol"]?.stringValue == "refold.next-step/v1")
    #expect(request["step"]?.intValue == 0)
    #expect(document["line"]?.stringValue == request.canonicalString)

    let ask = await refold([
      "ask", "clarify-service-then-status#0", "--suite", Self.rulesAgent, "--variant",
      "baseline", "--variant", "exact-question", "--json",
    ])
    #expect(ask.code == 0, "\(ask.stderr)")
    let verdicts = try json(ask.stdout)["variants"]?.arrayValue?.compactMap {
      $0["answers"]?[0]?["verdict"]?.stringValue
    }
    // As eval scores them: the baseline's question differs, the variant's is the golden one.
    #expect(verdicts == ["wrong_parameters", "pass"])
    let diff = try json(ask.stdout)["variants"]?[0]?["answers"]?[0]?["parameter_diff"]?
      .arrayValue
    #expect(diff?.first?["path"]?.stringValue == "question")

    let why = await refold([
      "why", "deploy-prod-backend-approved#1", "--suite", Self.rulesAgent, "--json",
    ])
    #expect(why.code == 0, "\(why.stderr)")
    #expect(try json(why.stdout)["minimal"]?.arrayValue?.isEmpty == false)
  }

  /// The demo suite's why cassette, recorded from the local model, replays the README's
  /// search exactly: the same questions, no model, the same answer.
  @Test func theDemoWhyReplaysFromItsCassette() async throws {
    let run = await refold([
      "why", "deploy-staging-backend-latest-tag#2", "--suite", Self.demo, "--budget", "16",
      "--json",
    ])
    #expect(run.code == 0, "\(run.stderr)")
    let report = try json(run.stdout)
    #expect(report["model"]?.stringValue == "recorded")
    #expect(report["minimal"]?.arrayValue?.compactMap(\.intValue) == [0])
    #expect(report["calls"]?.intValue == 8)
    #expect(report["cassette"]?.stringValue?.hasSuffix("cassettes/baseline.why.jsonl") == true)
  }

  /// Bad input is exit 2 with one sentence naming what is wrong.
  @Test(arguments: [
    (["context", "deploy-staging-backend-latest-tag", "--at", "9"], "has 3 decision points"),
    (["ask", "no-such-thread#0"], "no thread \"no-such-thread\""),
    (["ask", "deploy-staging-backend-latest-tag#1", "--set", "2.tags[9]=\"x\""], "element [9]"),
    (
      ["ask", "deploy-staging-backend-latest-tag#1", "--set", "7.tag=\"x\""], "no event with seq 7"
    ),
    (["ask", "deploy-staging-backend-latest-tag#1", "--set", "2.tags=v1"], "is not JSON"),
    (["eval", "--thread", "no-such-*", "--mode", "step"], "matches no thread of suite deploybot"),
  ])
  func badInputIsExitTwoWithOneSentence(arguments: [String], message: String) async throws {
    let scratch = try TemporaryDirectory()
    let command =
      arguments.first == "eval"
      ? ["eval", Self.demo] + arguments.dropFirst() + ["--out", scratch.path("out")]
      : arguments + ["--suite", Self.demo]
    let run = await refold(command + ["--db", scratch.path("refold.sqlite")])
    #expect(run.code == 2, "\(run.stderr)")
    #expect(run.stderr.contains(message), "\(run.stderr)")
    #expect(run.stderr.split(separator: "\n").count == 1, "\(run.stderr)")
  }
}

extension JSONValue {
  /// The element at `index` of an array, for reading the commands' JSON.
  fileprivate subscript(index: Int) -> JSONValue? {
    guard let elements = arrayValue, elements.indices.contains(index) else { return nil }
    return elements[index]
  }
}
