import Foundation
import RefoldCLI
import RefoldCore
import RefoldStore
import RefoldTestSupport
import Testing

/// The command line end to end: arguments in, files, output and exit code out.
@Suite struct CLITests {
  struct Outcome {
    var code: Int32
    var stdout: String
    var stderr: String
  }

  func refold(_ arguments: [String], environment: [String: String] = [:]) async -> Outcome {
    let stdout = CapturedOutput()
    let stderr = CapturedOutput()
    let code = await CLI.run(
      arguments: arguments, stdout: stdout, stderr: stderr, environment: environment)
    return Outcome(code: code, stdout: stdout.text, stderr: stderr.text)
  }

  let thread = """
    {"thread":"deploy-001","seq":0,"id":"m0","type":"slack_message","data":{"channel":"#deploys","from":"@alex","text":"ship latest backend to prod"},"at":"2026-11-20T10:00:00Z"}
    {"thread":"deploy-001","seq":1,"type":"list_git_tags","data":{}}
    {"thread":"deploy-001","seq":2,"type":"list_git_tags_result","data":{"tags":["v1.4.2","v1.4.1"]}}
    {"thread":"deploy-001","seq":3,"type":"deploy_backend","data":{"environment":"production","tag":"v1.4.2"}}
    {"thread":"deploy-001","seq":4,"type":"approval","data":{"approved":false,"by":"@sam","feedback":"staging first"}}
    {"thread":"deploy-001","seq":5,"type":"deploy_backend","data":{"environment":"staging","tag":"v1.4.2"},"at":"2026-11-20T10:01:00Z"}

    """

  /// A directory with `deploy.jsonl` and a database path inside it.
  func workspace() throws -> (directory: TemporaryDirectory, file: String, db: String) {
    let directory = try TemporaryDirectory()
    let file = try directory.write("deploy.jsonl", thread)
    return (directory, file, directory.path("state/refold.sqlite"))
  }

  @Test func importListsShowsAndExports() async throws {
    let (directory, file, db) = try workspace()
    let imported = await refold(["import", file, "--db", db])
    #expect(imported.code == 0, "\(imported.stderr)")
    #expect(imported.stdout.contains("6 events written, 0 skipped"))
    #expect(FileManager.default.fileExists(atPath: db))

    let threads = await refold(["threads", "--db", db])
    #expect(threads.code == 0)
    let rows = threads.stdout.split(separator: "\n").map {
      $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
    }
    #expect(rows.count == 2)
    #expect(
      rows[1] == [
        "deploy-001", "awaiting_approval", "3", "6", "deploy_backend", "2026-11-20T10:01:00Z",
      ])

    let show = await refold(["show", "deploy-001", "--db", db])
    #expect(show.code == 0)
    let timeline = show.stdout.split(separator: "\n").map(String.init)
    #expect(timeline.count == 7)
    #expect(timeline[4].hasPrefix("3 "))
    #expect(timeline[4].contains("decision:approval"))
    #expect(timeline[4].contains(#"{"environment":"production","tag":"v1.4.2"}"#))
    // The kind is what the whole thread shows the event to be; the status is the state after
    // the events up to it, when nothing yet said `deploy_backend` was a decision.
    #expect(timeline[4].hasSuffix("running"))
    #expect(timeline[5].contains("approval") && timeline[5].hasSuffix("running"))

    let exported = await refold(["export", "deploy-001", "--db", db])
    #expect(exported.code == 0)
    #expect(exported.stdout == thread)
    let out = directory.path("export.jsonl")
    let toFile = await refold(["export", "deploy-001", "-o", out, "--db", db])
    #expect(toFile.code == 0)
    #expect(try String(contentsOfFile: out, encoding: .utf8) == thread)
  }

  @Test func importIsIdempotentForIDsAndTransactional() async throws {
    let (directory, file, db) = try workspace()
    let setup = await refold(["import", file, "--db", db])
    #expect(setup.code == 0, "\(setup.stderr)")
    let idOnly = try directory.write("again.jsonl", String(thread.prefix { $0 != "\n" }))
    let again = await refold(["import", idOnly, "--db", db])
    #expect(again.code == 0)
    #expect(again.stdout.contains("0 events written, 1 skipped"))
    // The whole file again: the id-less lines are the same events at the same seqs.
    let whole = await refold(["import", file, "--db", db])
    #expect(whole.code == 0, "\(whole.stderr)")
    #expect(whole.stdout.contains("0 events written, 6 skipped"))
    // A different event at a taken seq: nothing is written and the line is named.
    let changed = try directory.write(
      "changed.jsonl", thread.replacingOccurrences(of: #""v1.4.2","v1.4.1""#, with: #""v9""#))
    let conflict = await refold(["import", changed, "--db", db])
    #expect(conflict.code == 2)
    #expect(conflict.stderr.contains("\(changed):3:"))
    #expect(conflict.stderr.contains("changed underneath"))
    #expect(conflict.stderr.contains("nothing was imported"))
    #expect(try SQLiteEventStore(path: db).totalEventCount() == 6)
  }

  @Test func reimportingTheDeployBotFixturesSkipsEveryEvent() async throws {
    let directory = try TemporaryDirectory()
    let db = directory.path("refold.sqlite")
    let folder = Repository.root + "/fixtures/deploybot/threads"
    let files = try FileManager.default.contentsOfDirectory(atPath: folder).filter {
      $0.hasSuffix(".jsonl")
    }.sorted().map { folder + "/" + $0 }
    #expect(files.count > 10)
    let first = await refold(["import"] + files + ["--db", db])
    #expect(first.code == 0, "\(first.stderr)")
    let count = try SQLiteEventStore(path: db).totalEventCount()
    let again = await refold(["import"] + files + ["--db", db])
    #expect(again.code == 0, "\(again.stderr)")
    #expect(again.stdout.contains("0 events written, \(count) skipped"), "\(again.stdout)")
    #expect(try SQLiteEventStore(path: db).totalEventCount() == count)
  }

  @Test func invalidInputExitsWithTwoAndNamesTheLine() async throws {
    let (directory, file, db) = try workspace()
    let setup = await refold(["import", file, "--db", db])
    #expect(setup.code == 0, "\(setup.stderr)")
    let bad = try directory.write(
      "bad.jsonl",
      #"{"thread":"x","type":"user_input","data":{}}"# + "\n" + #"{"thread":"x","type":"#)
    let result = await refold(["import", bad, "--db", db])
    #expect(result.code == 2)
    #expect(result.stderr.hasPrefix("refold: \(bad):2: invalid JSON"))
    #expect(result.stderr.split(separator: "\n").count == 1)
    #expect(!result.stderr.contains("Fatal"))
    #expect(try SQLiteEventStore(path: db).totalEventCount() == 6)

    let missing = await refold(["import", directory.path("absent.jsonl"), "--db", db])
    #expect(missing.code == 2)
    #expect(missing.stderr.contains("absent.jsonl: No such file or directory"))
    // A file that does not open creates no store, even beside a good file.
    let fresh = directory.path("fresh.sqlite")
    let nothingCreated = await refold(
      ["import", file, directory.path("absent.jsonl"), "--db", fresh])
    #expect(nothingCreated.code == 2, "\(nothingCreated.stderr)")
    #expect(!FileManager.default.fileExists(atPath: fresh))

    let unknownThread = await refold(["show", "nope", "--db", db])
    #expect(unknownThread.code == 2)
    #expect(unknownThread.stderr == "refold: no thread \"nope\" in the store\n")

    let neither = await refold(["replay", "no-such-thread", "--db", db])
    #expect(neither.code == 2)
    #expect(neither.stderr.contains("no thread \"no-such-thread\""))
    let noFile = await refold(["replay", "typo.jsonl", "--db", directory.path("none.sqlite")])
    #expect(noFile.code == 2)
    #expect(noFile.stderr.contains("typo.jsonl is neither a file nor a thread"))

    let noStore = await refold(["threads", "--db", directory.path("none.sqlite")])
    #expect(noStore.code == 2)
    #expect(noStore.stderr.contains("no event store at"))
    #expect(!FileManager.default.fileExists(atPath: directory.path("none.sqlite")))
  }

  @Test(arguments: [
    ["frobnicate"], ["import"], ["fork", "a", "--at", "x", "--as", "b"],
    ["fork", "a", "--at", "-1", "--as", "b"], ["replay"], ["export"], ["import", "-"],
  ])
  func badUsageExitsWithTwo(arguments: [String]) async throws {
    let (directory, _, db) = try workspace()
    defer { withExtendedLifetime(directory) {} }
    let result = await refold(arguments + ["--db", db])
    #expect(result.code == 2)
    #expect(!result.stderr.isEmpty)
    #expect(result.stdout.isEmpty)
  }

  @Test func helpExitsWithZero() async {
    let result = await refold(["--help"])
    #expect(result.code == 0)
    #expect(result.stdout.contains("import"))
    #expect(result.stdout.contains("replay"))
    #expect(result.stderr.isEmpty)
  }

  @Test func replayFoldsAStoredThreadAtAnyStep() async throws {
    let (directory, file, db) = try workspace()
    defer { withExtendedLifetime(directory) {} }
    let setup = await refold(["import", file, "--db", db])
    #expect(setup.code == 0, "\(setup.stderr)")
    let final = await refold(["replay", "deploy-001", "--db", db])
    #expect(final.code == 0)
    #expect(final.stdout.contains("status      awaiting_approval"))
    #expect(final.stdout.contains("steps       3"))
    #expect(final.stdout.contains("integrity   ok"))

    let early = await refold(["replay", "deploy-001", "--at", "4", "--json", "--db", db])
    #expect(early.code == 0)
    let state = try #require(
      JSONSerialization.jsonObject(with: Data(early.stdout.utf8)) as? [String: Any])
    // Four events do not yet say that `deploy_backend` is a decision (its approval is the
    // fifth): the state at a step depends on the events up to it only.
    #expect(state["status"] as? String == "running")
    #expect(state["steps"] as? Int == 1)
    #expect(state["pending"] == nil)
    // Snake case, as results.json: the state's fields are converted, intent names kept.
    #expect(state["event_count"] as? Int == 4)
    #expect(state["next_seq"] as? Int == 4)
    #expect(state["consecutive_errors"] as? Int == 0)
    #expect(state.keys.allSatisfy { $0 == $0.lowercased() }, "\(state.keys)")
    let denied = await refold(["replay", "deploy-001", "--at", "5", "--json", "--db", db])
    #expect(denied.code == 0)
    let afterDenial = try #require(
      JSONSerialization.jsonObject(with: Data(denied.stdout.utf8)) as? [String: Any])
    #expect(afterDenial["status"] as? String == "running")
    #expect(afterDenial["steps"] as? Int == 2)
    #expect(
      afterDenial["intent_counts"] as? [String: Int] == ["list_git_tags": 1, "deploy_backend": 1])
    #expect(afterDenial["feedback"] as? String == "staging first")

    let tooFar = await refold(["replay", "deploy-001", "--at", "7", "--db", db])
    #expect(tooFar.code == 2)
    #expect(tooFar.stderr.contains("it has 6 events"))
  }

  @Test func replayOfAFileReportsViolationsWithoutTouchingTheStore() async throws {
    let directory = try TemporaryDirectory()
    let file = try directory.write(
      "gappy.jsonl",
      """
      {"thread":"g","seq":0,"type":"user_input","data":{}}
      {"thread":"g","seq":2,"type":"approval","data":{"approved":true}}
      {"thread":"h","type":"done_for_now","data":{"message":"bye"}}
      """)
    let db = directory.path("untouched.sqlite")
    let result = await refold(["replay", file, "--db", db])
    #expect(result.code == 0, "\(result.stderr)")
    #expect(result.stdout.contains("thread g: 2 events"))
    #expect(result.stdout.contains("integrity   2 violations"))
    #expect(result.stdout.contains("seq 2: seq_gap: expected seq 1, found 2"))
    #expect(result.stdout.contains("approval_without_pending"))
    #expect(result.stdout.contains("thread h: 1 events"))
    #expect(result.stdout.contains("status      done"))
    #expect(!FileManager.default.fileExists(atPath: db))

    let json = await refold(["replay", file, "--json", "--db", db])
    let states = try #require(
      JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: [String: Any]])
    #expect(states["h"]?["status"] as? String == "done")
    #expect((states["g"]?["violations"] as? [Any])?.count == 2)
    #expect(states["g"]?["next_seq"] as? Int == 3)
    #expect(states["g"]?["nextSeq"] == nil)

    let broken = try directory.write("broken.jsonl", #"{"thread":"g","type":"x"}"#)
    let invalid = await refold(["replay", broken, "--db", db])
    #expect(invalid.code == 2)
    #expect(invalid.stderr.contains("\(broken):1: missing field \"data\""))
  }

  @Test func compareOfANonResultsFileSaysSoInOneSentence() async throws {
    let directory = try TemporaryDirectory()
    let comparison = try directory.write(
      "comparison.json", #"{"schema":"refold.comparison/v1","comparisons":[]}"#)
    let notJSON = try directory.write("notes.json", "not json at all")
    let db = directory.path("none.sqlite")
    for (file, reason) in [
      (comparison, "it is not a results file written by refold eval (it has no \""),
      (notJSON, "it is not a results file written by refold eval (it is not valid JSON)"),
    ] {
      let result = await refold(["compare", file, file, "--db", db])
      #expect(result.code == 2, "\(result.stderr)")
      #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
      #expect(
        result.stderr.hasPrefix("refold: \(file) is not a readable refold results file: \(reason)"),
        "\(result.stderr)")
      for raw in ["DecodingError", "keyNotFound", "CodingKeys", "Context(", "dataCorrupted"] {
        #expect(!result.stderr.contains(raw), "\(result.stderr)")
      }
    }
  }

  @Test func forkMakesANewThread() async throws {
    let (directory, file, db) = try workspace()
    defer { withExtendedLifetime(directory) {} }
    let setup = await refold(["import", file, "--db", db])
    #expect(setup.code == 0, "\(setup.stderr)")
    let fork = await refold(["fork", "deploy-001", "--at", "3", "--as", "deploy-001b", "--db", db])
    #expect(fork.code == 0)
    #expect(fork.stdout.contains("3 events, status running"))
    let threads = await refold(["threads", "--db", db])
    #expect(threads.stdout.contains("deploy-001b"))
    let exported = await refold(["export", "deploy-001b", "--db", db])
    #expect(exported.stdout.split(separator: "\n").count == 3)
    #expect(exported.stdout.hasPrefix(#"{"thread":"deploy-001b","seq":0,"id":"m0""#))

    let taken = await refold(["fork", "deploy-001", "--at", "1", "--as", "deploy-001b", "--db", db])
    #expect(taken.code == 2)
    #expect(taken.stderr.contains("already exists"))
    let tooFar = await refold(["fork", "deploy-001", "--at", "9", "--as", "z", "--db", db])
    #expect(tooFar.code == 2)
    #expect(tooFar.stderr.contains("it has 6 events"))
  }

  @Test func exportOfAnUnknownThreadWritesNothing() async throws {
    let (directory, file, db) = try workspace()
    let setup = await refold(["import", file, "--db", db])
    #expect(setup.code == 0, "\(setup.stderr)")
    let out = directory.path("out.jsonl")
    let result = await refold(["export", "deploy-001", "ghost", "-o", out, "--db", db])
    #expect(result.code == 2)
    #expect(result.stderr.contains("ghost"))
    #expect(!FileManager.default.fileExists(atPath: out))
  }

  @Test func databaseComesFromREFOLD_DBWhenNoFlag() async throws {
    let (directory, file, db) = try workspace()
    let environment = ["REFOLD_DB": db]
    #expect(await refold(["import", file], environment: environment).code == 0)
    #expect(FileManager.default.fileExists(atPath: db))
    let threads = await refold(["threads"], environment: environment)
    #expect(threads.stdout.contains("deploy-001"))
    // --db wins over the environment.
    let other = directory.path("other.sqlite")
    #expect(await refold(["import", file, "--db", other], environment: environment).code == 0)
    let fromFlag = await refold(
      ["threads", "--db", other], environment: ["REFOLD_DB": "/nonexistent/x"])
    #expect(fromFlag.code == 0)
  }

  @Test func defaultDatabasePath() throws {
    let options = try StoreOptions.parse([])
    let path = CLIContext.$current.withValue(CLIContext(environment: [:])) {
      options.databasePath
    }
    #expect(path == ".refold/refold.sqlite")
  }
}
