import Foundation
import RefoldCLI
import RefoldCore
import RefoldPostgres
import RefoldReport
import RefoldShared
import RefoldTestSupport
import Testing

/// The commands with `--db postgresql://…` (and `REFOLD_DB`) end to end against a real
/// server: import, threads, show, replay, export, eval storing a run, runs and report
/// reading it, the proxy writing threads and exchanges.
@Suite struct PostgresCommandTests {
  static let serverStarted = PostgresTestServer.shared != nil
  static let skipped = Comment(rawValue: PostgresTestServer.skipMessage)

  func refold(_ arguments: [String], environment: [String: String] = [:]) async
    -> (code: Int32, stdout: String, stderr: String)
  {
    let stdout = CapturedOutput()
    let stderr = CapturedOutput()
    let code = await CLI.run(
      arguments: arguments, stdout: stdout, stderr: stderr, environment: environment)
    return (code, stdout.text, stderr.text)
  }

  let thread = """
    {"thread":"deploy-001","seq":0,"id":"m0","type":"slack_message","data":{"channel":"#deploys","from":"@alex","text":"ship latest backend to prod"},"at":"2026-11-20T10:00:00Z"}
    {"thread":"deploy-001","seq":1,"type":"list_git_tags","data":{}}
    {"thread":"deploy-001","seq":2,"type":"list_git_tags_result","data":{"tags":["v1.4.2","v1.4.1"]}}
    {"thread":"deploy-001","seq":3,"type":"deploy_backend","data":{"environment":"production","tag":"v1.4.2"}}
    {"thread":"deploy-001","seq":4,"type":"approval","data":{"approved":false,"by":"@sam","feedback":"staging first"}}
    {"thread":"deploy-001","seq":5,"type":"deploy_backend","data":{"environment":"staging","tag":"v1.4.2"},"at":"2026-11-20T10:01:00Z"}

    """

  @Test func anUnreachableServerIsExitFourInOneSentence() async throws {
    for arguments in [
      ["threads", "--db", "postgresql://refold@127.0.0.1:1/refold?connect_timeout=5"],
      ["runs"],
    ] {
      let outcome = await refold(
        arguments, environment: ["REFOLD_DB": "postgresql://refold@127.0.0.1:1/refold"])
      #expect(outcome.code == 4, "\(arguments): \(outcome.stderr)")
      #expect(outcome.stderr.contains("cannot reach the PostgreSQL server at 127.0.0.1:1"))
      #expect(outcome.stderr.split(separator: "\n").count == 1, "\(outcome.stderr)")
    }
  }

  @Test func aURLThatDoesNotParseIsExitTwoWithoutItsPassword() async throws {
    for arguments in [
      ["threads", "--db", "postgresql://refold:s3cret@[::1:5/refold"],
      ["copy", "--from", "postgresql://refold:s3cret@host/x?colour=red", "--to", "copy.sqlite"],
    ] {
      let outcome = await refold(arguments)
      #expect(outcome.code == 2, "\(arguments): \(outcome.stderr)")
      #expect(
        outcome.stderr.contains("is not a PostgreSQL connection URL: "), "\(outcome.stderr)")
      #expect(!outcome.stderr.contains("s3cret"), "\(outcome.stderr)")
      #expect(outcome.stderr.split(separator: "\n").count == 1, "\(outcome.stderr)")
    }
  }

  @Test(.enabled(if: serverStarted, skipped))
  func importThreadsShowReplayAndExportThroughAURL() async throws {
    let url = try PostgresTestServer.freshDatabaseURL()
    let directory = try TemporaryDirectory()
    let file = try directory.write("deploy.jsonl", thread)
    let imported = await refold(["import", file, "--db", url])
    #expect(imported.code == 0, "\(imported.stderr)")
    #expect(imported.stdout.contains("6 events written, 0 skipped"))
    #expect(imported.stdout.contains(url))
    let again = await refold(["import", file], environment: ["REFOLD_DB": url])
    #expect(again.code == 0, "\(again.stderr)")
    #expect(again.stdout.contains("0 events written, 6 skipped"))

    let threads = await refold(["threads"], environment: ["REFOLD_DB": url])
    #expect(threads.code == 0, "\(threads.stderr)")
    let rows = threads.stdout.split(separator: "\n").map {
      $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
    }
    #expect(
      rows.last == [
        "deploy-001", "awaiting_approval", "3", "6", "deploy_backend", "2026-11-20T10:01:00Z",
      ])
    let show = await refold(["show", "deploy-001", "--db", url])
    #expect(show.code == 0, "\(show.stderr)")
    #expect(show.stdout.split(separator: "\n").count == 7)
    let replay = await refold(["replay", "deploy-001", "--db", url])
    #expect(replay.code == 0, "\(replay.stderr)")
    #expect(replay.stdout.contains("status      awaiting_approval"))
    #expect(replay.stdout.contains("integrity   ok"))
    let missing = await refold(["replay", "no-such-thread", "--db", url])
    #expect(missing.code == 2)
    #expect(missing.stderr.contains("no thread \"no-such-thread\" in \(url)"))
    let exported = await refold(["export", "deploy-001", "--db", url])
    #expect(exported.code == 0, "\(exported.stderr)")
    #expect(exported.stdout == thread)
    let forked = await refold(["fork", "deploy-001", "--at", "3", "--as", "branch", "--db", url])
    #expect(forked.code == 0, "\(forked.stderr)")
    let all = await refold(["export", "--all", "--db", url])
    #expect(all.code == 0, "\(all.stderr)")
    #expect(all.stdout.split(separator: "\n").count == 9)
  }

  @Test(.enabled(if: serverStarted, skipped))
  func evalStoresARunThatRunsAndReportRead() async throws {
    let url = try PostgresTestServer.freshDatabaseURL()
    let directory = try deployBotStepSuite()
    let evaluated = await refold([
      "eval", directory.path("suite.yaml"), "--db", url, "--out", directory.path("out"),
    ])
    #expect(evaluated.code == 0 || evaluated.code == 1, "\(evaluated.stderr)")
    let results = try ResultsReader.read(from: directory.path("out/results.json"))
    let runs = await refold(["runs", "--json", "--db", url])
    #expect(runs.code == 0, "\(runs.stderr)")
    #expect(runs.stdout.contains(results.run.id))
    let stored = try PostgresRunStore(url: url).run(id: results.run.id)
    #expect(stored?.summary == results.summary)
    #expect(stored?.cases.map(\.verdict) == results.cases.map(\.verdict))
    let report = await refold([
      "report", results.run.id, "--db", url, "--out", directory.path("report"),
    ])
    #expect(report.code == 0, "\(report.stderr)")
    #expect(FileManager.default.fileExists(atPath: directory.path("report/report.html")))
  }

  @Test(.enabled(if: serverStarted, skipped))
  func theProxyWritesThreadsAndExchangesToTheServer() async throws {
    let url = try PostgresTestServer.freshDatabaseURL()
    let model = try await EvalCommandTests.startModel()
    let proxy = try await RecordingCommandTests.Listening.start([
      "proxy", "--upstream", model.baseURL, "--listen", "127.0.0.1:0", "--db", url, "--spec",
      "\(Repository.root)/evals/deploybot/agent.yaml",
    ])
    let http = RecordingCommandTests()
    let input: JSONValue = [
      ["type": "slack_message", "data": ["from": "@alex", "text": "ship latest backend"]]
    ]
    let posted = try await http.send(
      proxy.baseURL + "/refold/threads/prod-001/events", Data(input.canonicalString.utf8),
      headers: ["Content-Type": "application/json"])
    #expect(posted.status == 200 || posted.status == 201)
    let request = RecordingCommandTests.nextStepRequest
    let answer = try await http.send(
      proxy.baseURL + "/v1/chat/completions", Data(request.canonicalString.utf8),
      headers: ["X-Refold-Thread": "prod-001", "Content-Type": "application/json"])
    #expect(answer.status == 200)
    #expect(await proxy.stop() == 0)
    await model.stop()

    let exported = await refold(["export", "prod-001", "--db", url])
    #expect(exported.code == 0, "\(exported.stderr)")
    let events = try exported.stdout.split(separator: "\n").map {
      try JSONParser.parse(String($0))
    }
    #expect(events.map { $0["type"] } == ["slack_message", "list_git_tags"])
    let key = try #require(answer.headers["x-refold-exchange"])
    #expect(events.last?["meta"]?["exchange_key"]?.stringValue == key)
    let exchanges = try PostgresCassetteStore(url: url).exchanges(forKey: key)
    #expect(exchanges.map(\.n) == [0])
    #expect(exchanges.first?.thread == "prod-001")
  }

  @Test(.enabled(if: serverStarted, skipped))
  func otelImportRecordsExchangesAndThreadsOnTheServer() async throws {
    let url = try PostgresTestServer.freshDatabaseURL()
    let directory = try TemporaryDirectory()
    let file = try directory.write("traces.json", RecordingCommandTests.traces)
    let imported = await refold(["import", "--otel", file, "--db", url])
    #expect(imported.code == 0, "\(imported.stderr)")
    #expect(imported.stdout.contains("2 model calls, 2 threads"))
    let again = await refold(["import", "--otel", file, "--db", url])
    #expect(again.code == 0, "\(again.stderr)")
    #expect(again.stdout.contains("0 events written"), "\(again.stdout)")
    let current = await refold(["export", "otel-current", "--db", url])
    #expect(current.code == 0, "\(current.stderr)")
    let events = try current.stdout.split(separator: "\n").map { try JSONParser.parse(String($0)) }
    #expect(events.map { $0["type"] } == ["user_input", "check_deployment_status"])
    let key = try #require(events.last?["meta"]?["exchange_key"]?.stringValue)
    #expect(try PostgresCassetteStore(url: url).exchanges(forKey: key).count == 1)
  }
}
