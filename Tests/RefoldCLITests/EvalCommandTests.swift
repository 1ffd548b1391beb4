import Foundation
import RefoldCLI
import RefoldCore
import RefoldReport
import RefoldShared
import RefoldTestSupport
import RefoldTesting
import Testing

/// `refold eval`, `merge`, `compare` and `report` end to end: a suite on disk, a model served
/// by a real HTTP server on 127.0.0.1, cassettes, results files and exit codes.
@Suite(.serialized) struct EvalCommandTests {
  static let repository = Repository.root

  static let threads = [
    "deploy-staging-backend-latest-tag", "deploy-prod-denied-staging-first",
    "retry-wrong-tag-format", "clarify-environment-then-deploy",
  ]

  func refold(_ arguments: [String]) async -> (code: Int32, stdout: String, stderr: String) {
    let stdout = CapturedOutput()
    let stderr = CapturedOutput()
    let code = await CLI.run(arguments: arguments, stdout: stdout, stderr: stderr, environment: [:])
    return (code, stdout.text, stderr.text)
  }

  /// A copy of the deploy-bot agent with four golden threads and an empty cassette folder.
  func suite(thresholds: String = "", cassette: String? = "cassettes/{variant}.jsonl") throws
    -> TemporaryDirectory
  {
    let directory = try deployBotSuiteCopy(threads: Self.threads)
    try directory.write(
      "suite.yaml",
      """
      name: mini
      agent: agent.yaml
      variants:
        baseline: {}
        concise-json:
          prompt: prompts/concise.mustache
          context_format: json-events
      fixtures: [threads/*.jsonl]
      expectations:
        - thread: "*"
          intents:
            done_for_now: {message: any}
      \(cassette.map { "cassette: \($0)" } ?? "")
      modes: [step, loop]
      \(thresholds)
      """)
    return directory
  }

  /// An OpenAI-compatible server that answers every request with a fixed policy: list the
  /// tags, then deploy the newest to staging, then finish.
  static func startModel() async throws -> ProviderServer {
    try await ProviderServer { _, request in
      let arguments: String
      if request.text.contains("deploy_backend_result") {
        arguments = #"{"intent":"done_for_now","message":"Deployed."}"#
      } else if request.text.contains("list_git_tags_result") {
        arguments = #"{"intent":"deploy_backend","tag":"v1.4.2","environment":"staging"}"#
      } else {
        arguments = #"{"intent":"list_git_tags"}"#
      }
      return .json(ProviderResponses.openAIToolCall(name: "next_step", arguments: arguments))
    }
  }

  func results(_ path: String) throws -> RunResults {
    try ResultsReader.read(from: path)
  }

  @Test func recordsThenReplaysWithTheServerGoneAndWritesValidReports() async throws {
    let directory = try suite()
    let db = directory.path("refold.sqlite")
    let server = try await Self.startModel()
    let recorded = await refold([
      "eval", directory.path("suite.yaml"), "--model", "record", "--base-url", server.baseURL,
      "--db", db, "--out", directory.path("recorded"),
    ])
    await server.stop()
    #expect(recorded.code == 0, "\(recorded.stderr)")
    #expect(recorded.stdout.contains("baseline"))
    #expect(recorded.stdout.contains("concise-json"))
    let cassette = try String(
      contentsOfFile: directory.path("cassettes/baseline.jsonl"), encoding: .utf8)
    #expect(cassette.split(separator: "\n").count > 4)

    let replayed = await refold([
      "eval", directory.path("suite.yaml"), "--db", db, "--out", directory.path("replayed"),
    ])
    #expect(replayed.code == 0, "\(replayed.stderr)")
    // With two variants results.json is the evaluation's; each variant has its own file.
    let first = try ResultsReader.read(
      from: directory.path("recorded/results.json"), variant: "baseline")
    let second = try results(directory.path("replayed/baseline/results.json"))
    #expect(first.summary == second.summary)
    #expect(first.cases.map(\.verdict) == second.cases.map(\.verdict))
    #expect(first.summary.decisions > 0)
    #expect(first.summary.loop?.runs == Self.threads.count)
    #expect(second.run.modelSource == "recorded")
    for file in ["report.html", "junit.xml", "summary.md", "comparison.json", "comparison.html"] {
      #expect(FileManager.default.fileExists(atPath: directory.path("replayed/\(file)")), "\(file)")
    }
    #expect(
      FileManager.default.fileExists(atPath: directory.path("replayed/concise-json/results.json")))

    // Every results file written validates against the published schema.
    let validation = try Self.runScript(
      "scripts/report-validate-results.py",
      [directory.path("recorded"), directory.path("replayed")])
    #expect(validation.status == 0, "\(validation.output)")

    // Both runs are in the store: compare and report work from run ids.
    let compared = await refold([
      "compare", first.run.id, second.run.id, "--db", db,
    ])
    #expect(compared.code == 0, "\(compared.stderr)")
    #expect(compared.stdout.contains("McNemar"))
    let rendered = await refold([
      "report", second.run.id, "--db", db, "--out", directory.path("rerendered"),
    ])
    #expect(rendered.code == 0, "\(rendered.stderr)")
    #expect(FileManager.default.fileExists(atPath: directory.path("rerendered/report.html")))
  }

  @Test func runsListsTheStoredRunsWithVerdictAndRates() async throws {
    let directory = try suite()
    let db = directory.path("refold.sqlite")
    let server = try await Self.startModel()
    let recorded = await refold([
      "eval", directory.path("suite.yaml"), "--model", "record", "--base-url", server.baseURL,
      "--db", db, "--out", directory.path("recorded"),
    ])
    await server.stop()
    #expect(recorded.code == 0, "\(recorded.stderr)")
    let baseline = try results(directory.path("recorded/baseline/results.json"))
    let concise = try results(directory.path("recorded/concise-json/results.json"))
    let verdict = try #require(baseline.gate?.verdict)

    let listed = await refold(["runs", "--db", db])
    #expect(listed.code == 0, "\(listed.stderr)")
    let rows = listed.stdout.split(separator: "\n").map {
      $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
    }
    #expect(
      rows.first == [
        "RUN", "SUITE", "VARIANT", "SCOPE", "STARTED", "VERDICT", "INTENT", "PARAMS", "CASES",
      ])
    #expect(rows.count == 3)
    let baselineRow = try #require(rows.first { $0.first == baseline.run.id })
    #expect(baselineRow[1] == "mini" && baselineRow[2] == "baseline")
    #expect(baselineRow[3] == "suite")
    #expect(baselineRow[4] == baseline.run.startedAt)
    #expect(baselineRow[5] == verdict.rawValue)
    let intent = try #require(baseline.summary.intentAccuracy.rate)
    #expect(baselineRow[6] == String(format: "%.1f%%", intent * 100))
    #expect(rows.contains { $0.first == concise.run.id && $0[2] == "concise-json" })

    let json = await refold(["runs", "--suite", "mini", "--json", "--db", db])
    #expect(json.code == 0, "\(json.stderr)")
    let entries = try #require(
      JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
    #expect(entries.count == 2)
    let entry = try #require(entries.first { $0["id"] as? String == baseline.run.id })
    #expect(entry["verdict"] as? String == verdict.rawValue)
    #expect(entry["variant"] as? String == "baseline")
    #expect(entry["intent_accuracy"] as? Double == intent)
    #expect(entry["decisions"] as? Int == baseline.summary.decisions)
    #expect(entry["started_at"] as? String == baseline.run.startedAt)
    #expect(entry["scope"] as? String == "suite")

    let other = await refold(["runs", "--suite", "other", "--db", db])
    #expect(other.code == 0)
    #expect(other.stdout.hasPrefix("no runs of suite other in "))
    let otherJSON = await refold(["runs", "--suite", "other", "--json", "--db", db])
    let otherEntries = try #require(
      JSONSerialization.jsonObject(with: Data(otherJSON.stdout.utf8)) as? [Any])
    #expect(otherEntries.isEmpty)
    let none = await refold(["runs", "--db", directory.path("none.sqlite")])
    #expect(none.code == 2)
    #expect(none.stderr.contains("no event store at") || none.stderr.contains("none.sqlite"))
  }

  @Test func loopReplayAnswersToolResponseThreadsWithToolResponse() async throws {
    let directory = try TemporaryDirectory()
    let manager = FileManager.default
    try manager.createDirectory(
      atPath: directory.path("prompts"), withIntermediateDirectories: true)
    for file in ["agent.yaml", "prompts/default.mustache"] {
      try manager.copyItem(
        atPath: "\(Self.repository)/evals/deploybot/\(file)", toPath: directory.path(file))
    }
    let golden = try String(
      contentsOfFile:
        "\(Self.repository)/fixtures/deploybot/threads/deploy-staging-backend-latest-tag.jsonl",
      encoding: .utf8)
    let responses = golden.replacingOccurrences(
      of: #""type":"list_git_tags_result""#, with: #""type":"tool_response""#
    )
    .replacingOccurrences(of: #""type":"deploy_backend_result""#, with: #""type":"tool_response""#)
    #expect(!responses.contains("_result"))
    try manager.createDirectory(
      atPath: directory.path("threads"), withIntermediateDirectories: true)
    try directory.write("threads/responses.jsonl", responses)
    try directory.write(
      "suite.yaml",
      """
      name: responses
      agent: agent.yaml
      fixtures: [threads/*.jsonl]
      cassette: cassettes/{variant}.jsonl
      modes: [loop]
      """)
    // Lists the tags, deploys the newest to staging once the tags are in the context, and
    // finishes once the deployment is.
    let server = try await ProviderServer { _, request in
      let arguments: String
      if request.text.contains("dep_7c1e90") {
        arguments = #"{"intent":"done_for_now","message":"Deployed."}"#
      } else if request.text.contains("v1.3.9") {
        arguments = #"{"intent":"deploy_backend","tag":"v1.4.2","environment":"staging"}"#
      } else {
        arguments = #"{"intent":"list_git_tags"}"#
      }
      return .json(ProviderResponses.openAIToolCall(name: "next_step", arguments: arguments))
    }
    let run = await refold([
      "eval", directory.path("suite.yaml"), "--model", "record", "--base-url", server.baseURL,
      "--db", directory.path("refold.sqlite"), "--out", directory.path("out"),
    ])
    let received = server.received.map(\.text)
    await server.stop()
    #expect(run.code == 0, "\(run.stderr)")
    #expect(received.count == 3)
    // The model saw the recording's own result events, never a made-up `<intent>_result`.
    for text in received {
      #expect(!text.contains("list_git_tags_result") && !text.contains("deploy_backend_result"))
    }
    #expect(received.last?.contains("tool_response") == true)
    let stored = try results(directory.path("out/results.json"))
    let loop = try #require(stored.cases.first { $0.mode == "loop" })
    #expect(loop.verdict == .pass, "\(loop)")
    #expect(stored.summary.loop?.divergences == 0)
  }

  @Test func aMissingKeyVariableIsInvalidInputNamingItAndTheSpecLine() async throws {
    let directory = try suite()
    let agent = directory.path("agent.yaml")
    let text = try String(contentsOfFile: agent, encoding: .utf8)
    let withKey = text.replacingOccurrences(
      of: "  temperature: 0\n", with: "  temperature: 0\n  api_key_env: REFOLD_TEST_UNSET_KEY\n")
    #expect(withKey != text)
    try withKey.write(toFile: agent, atomically: true, encoding: .utf8)
    for model in ["live", "record"] {
      let run = await refold([
        "eval", directory.path("suite.yaml"), "--model", model, "--db",
        directory.path("refold.sqlite"), "--out", directory.path("out-\(model)"),
      ])
      #expect(run.code == 2, "\(run.stderr)")
      #expect(
        run.stderr.contains(
          "agent.yaml:8: model.api_key_env: the API key variable REFOLD_TEST_UNSET_KEY is not set"
        ), "\(run.stderr)")
    }
  }

  @Test func stepAndLoopRecordedApartReplayTogether() async throws {
    // Each replay (a thread in one mode) is its own cassette session: the loop's first
    // request, identical to the step replay's, gets the first recorded answer too.
    let directory = try suite()
    let db = directory.path("refold.sqlite")
    let server = try await Self.startModel()
    for mode in ["step", "loop"] {
      let recorded = await refold([
        "eval", directory.path("suite.yaml"), "--variant", "baseline", "--mode", mode,
        "--model", "record", "--base-url", server.baseURL, "--db", db, "--out",
        directory.path(mode),
      ])
      #expect(recorded.code == 0, "\(recorded.stderr)")
    }
    await server.stop()
    let both = await refold([
      "eval", directory.path("suite.yaml"), "--variant", "baseline", "--db", db,
      "--out", directory.path("both"),
    ])
    #expect(both.code == 0, "\(both.stderr)")
    let results = try results(directory.path("both/results.json"))
    #expect(results.summary.sourceErrors == 0)
    #expect(results.summary.loop?.runs == Self.threads.count)
  }

  @Test func gateExitCodes() async throws {
    let directory = try suite()
    let db = directory.path("refold.sqlite")
    let server = try await Self.startModel()
    let recorded = await refold([
      "eval", directory.path("suite.yaml"), "--model", "record", "--base-url", server.baseURL,
      "--db", db, "--out", directory.path("recorded"),
    ])
    await server.stop()
    #expect(recorded.code == 0, "\(recorded.stderr)")

    // Below a threshold: exit 1, with the failed check named.
    let strict = await refold([
      "eval", directory.path("suite.yaml"), "--min-accuracy", "0.99", "--db", db,
      "--out", directory.path("strict"),
    ])
    #expect(strict.code == 1)
    #expect(strict.stderr.contains("intent accuracy"))

    // The same run as its own baseline is no regression.
    let same = await refold([
      "eval", directory.path("suite.yaml"), "--variant", "baseline", "--baseline",
      directory.path("recorded/results.json"), "--db", db, "--out", directory.path("same"),
    ])
    #expect(same.code == 0, "\(same.stderr)")
    #expect(same.stdout.contains("McNemar p = 1.0000"))

    // A cassette miss: exit 3, naming the key.
    try FileManager.default.removeItem(atPath: directory.path("cassettes/baseline.jsonl"))
    try directory.write("cassettes/baseline.jsonl", "")
    let missing = await refold([
      "eval", directory.path("suite.yaml"), "--variant", "baseline", "--db", db,
      "--out", directory.path("missing"),
    ])
    #expect(missing.code == 3)
    #expect(missing.stderr.contains("cassette miss"))

    // An unknown variant and a broken suite: exit 2.
    let unknown = await refold(["eval", directory.path("suite.yaml"), "--variant", "nope"])
    #expect(unknown.code == 2)
    #expect(unknown.stderr.contains("no variant \"nope\""))
    try directory.write(
      "suite.yaml", "agent: agent.yaml\nfixtures: [threads/*.jsonl]\nmodes: [sideways]\n")
    let broken = await refold(["eval", directory.path("suite.yaml"), "--db", db])
    #expect(broken.code == 2)
    #expect(broken.stderr.contains("suite.yaml"))
    #expect(broken.stderr.contains("modes"))
  }

  @Test func aMissingCassetteExitsThreeAndNoCassetteToRecordIntoExitsTwo() async throws {
    let directory = try suite()
    let db = directory.path("refold.sqlite")
    let missing = await refold([
      "eval", directory.path("suite.yaml"), "--variant", "baseline", "--db", db,
      "--out", directory.path("missing"),
    ])
    #expect(missing.code == 3)
    #expect(
      missing.stderr.contains(
        "no cassette at \(directory.path("cassettes/baseline.jsonl")) for variant baseline"))

    let unnamed = try suite(cassette: nil)
    let record = await refold([
      "eval", unnamed.path("suite.yaml"), "--model", "record", "--db", db,
      "--out", unnamed.path("record"),
    ])
    #expect(record.code == 2)
    #expect(record.stderr.contains("names no cassette, so --model record has nothing to replay"))
  }

  /// The cassette's index is read while the replay runs: a bad line near its end still
  /// fails the evaluation as a cassette error naming the line (exit 3), after the replay,
  /// with no run stored and no report written.
  @Test func aBadCassetteLineNearTheEndFailsTheEvaluationAndStoresNothing() async throws {
    let directory = try deployBotStepSuite()
    let cassette = directory.path("cassettes/baseline.jsonl")
    var lines = try String(contentsOfFile: cassette, encoding: .utf8)
      .split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    let bad = lines.count - 10
    #expect(lines[bad - 1].contains(#""n":"#))
    lines[bad - 1] = lines[bad - 1].replacingOccurrences(of: #""n":"#, with: #""m":"#)
    try lines.joined(separator: "\n").write(toFile: cassette, atomically: true, encoding: .utf8)
    let db = directory.path("refold.sqlite")
    let result = await refold([
      "eval", directory.path("suite.yaml"), "--db", db, "--out", directory.path("out"),
    ])
    #expect(result.code == 3, "\(result.stderr)")
    #expect(result.stderr == "refold: cassette \(cassette):\(bad): missing n\n")
    #expect(!FileManager.default.fileExists(atPath: directory.path("out")))
    let runs = await refold(["runs", "--json", "--db", db])
    #expect(runs.code == 0, "\(runs.stderr)")
    #expect(!runs.stdout.contains("deploybot"), "\(runs.stdout)")
  }

  @Test func shardsMergeIntoTheUnshardedRun() async throws {
    let directory = try suite()
    let db = directory.path("refold.sqlite")
    let server = try await Self.startModel()
    let whole = await refold([
      "eval", directory.path("suite.yaml"), "--variant", "baseline", "--model", "record",
      "--base-url", server.baseURL, "--db", db, "--out", directory.path("whole"),
    ])
    await server.stop()
    #expect(whole.code == 0, "\(whole.stderr)")
    for shard in ["1/2", "2/2"] {
      let part = await refold([
        "eval", directory.path("suite.yaml"), "--variant", "baseline", "--shard", shard,
        "--db", db, "--out", directory.path("shard-\(shard.prefix(1))"),
      ])
      #expect(part.code == 0, "\(part.stderr)")
    }
    let merged = await refold([
      "merge", directory.path("shard-1/results.json"), directory.path("shard-2/results.json"),
      "-o", directory.path("merged/results.json"), "--db", db,
    ])
    #expect(merged.code == 0, "\(merged.stderr)")
    let unsharded = try results(directory.path("whole/results.json"))
    let combined = try results(directory.path("merged/results.json"))
    #expect(combined.summary == unsharded.summary)
    #expect(combined.byIntent == unsharded.byIntent)
    #expect(Set(combined.cases.map(\.id)) == Set(unsharded.cases.map(\.id)))
    // The run record says which runs cover the whole suite: the shards do not, their merge does.
    #expect(unsharded.run.scope == .suite)
    #expect(try results(directory.path("shard-1/results.json")).run.scope == .shard)
    #expect(combined.run.scope == .suite)

    // A run of one thread is ad hoc: stored so, and drawn hollow in the trend, off the line.
    let one = await refold([
      "eval", directory.path("suite.yaml"), "--variant", "baseline", "--thread", Self.threads[0],
      "--db", db, "--out", directory.path("one"),
    ])
    #expect(one.code == 0, "\(one.stderr)")
    let single = try results(directory.path("one/results.json"))
    #expect(single.run.scope == .adHoc)
    #expect(Set(single.cases.map(\.thread)) == [Self.threads[0]])
    let page = try String(contentsOfFile: directory.path("one/report.html"), encoding: .utf8)
    #expect(page.contains("<dt>scope</dt><dd>ad hoc: a selection of threads or modes</dd>"))
    #expect(page.contains(#"<circle class="point current partial" data-scope="ad_hoc""#))
    #expect(page.contains(#"<circle class="point" data-scope="suite""#))
    #expect(page.contains(#"<circle class="point partial" data-scope="shard""#))
    #expect(
      try Self.runScript("scripts/report-validate-results.py", [directory.path("one")]).status
        == 0)
  }

  static func runScript(_ script: String, _ arguments: [String]) throws
    -> (status: Int32, output: String)
  {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "\(repository)/\(script)"] + arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
  }
}
