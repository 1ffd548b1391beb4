import Foundation
import RefoldCLI
import RefoldTestSupport
import Testing

/// Exit status 4: the machine, not the input, failed; end to end through `CLI.run`.
///
/// Tests run as root, so a directory's permissions stop nothing; a path *under a regular
/// file* cannot be created by anyone, and stands for an unwritable place.
@Suite struct ExitStatusTests {
  struct Outcome {
    var code: Int32
    var stdout: String
    var stderr: String
  }

  func refold(_ arguments: [String]) async -> Outcome {
    let stdout = CapturedOutput()
    let stderr = CapturedOutput()
    let code = await CLI.run(arguments: arguments, stdout: stdout, stderr: stderr, environment: [:])
    return Outcome(code: code, stdout: stdout.text, stderr: stderr.text)
  }

  let thread = """
    {"thread":"deploy-001","seq":0,"type":"slack_message","data":{"channel":"#deploys","from":"@alex","text":"ship latest backend to prod"}}
    {"thread":"deploy-001","seq":1,"type":"list_git_tags","data":{}}

    """

  /// A directory holding `deploy.jsonl` and `blocker`, a regular file.
  func workspace() throws -> (directory: TemporaryDirectory, events: String, blocker: String) {
    let directory = try TemporaryDirectory()
    let events = try directory.write("deploy.jsonl", thread)
    let blocker = try directory.write("blocker", "a file, not a directory\n")
    return (directory, events, blocker)
  }

  @Test func aStoreThatCannotBeCreatedExitsFour() async throws {
    let (directory, events, blocker) = try workspace()
    defer { withExtendedLifetime(directory) {} }
    let imported = await refold(["import", events, "--db", blocker + "/state/refold.sqlite"])
    #expect(imported.code == 4, "\(imported.stderr)")
    #expect(imported.stderr.hasPrefix("refold: "))
    #expect(imported.stderr.contains("cannot create the database directory"))
    // The system's reason in words, not a Foundation error dump.
    for raw in ["Error Domain=", "NSCocoaErrorDomain", "UserInfo=", "CocoaError"] {
      #expect(!imported.stderr.contains(raw), "\(imported.stderr)")
    }
  }

  @Test func anExportThatCannotBeWrittenExitsFourAndLeavesNothing() async throws {
    let (directory, events, blocker) = try workspace()
    let db = directory.path("refold.sqlite")
    #expect(await refold(["import", events, "--db", db]).code == 0)
    let exported = await refold(["export", "deploy-001", "--db", db, "-o", blocker + "/out.jsonl"])
    #expect(exported.code == 4, "\(exported.stderr)")
    #expect(exported.stderr.contains(blocker))
    // Bad input still exits 2: the thread is not in the store.
    let unknown = await refold(["export", "nope", "--db", db, "-o", directory.path("out.jsonl")])
    #expect(unknown.code == 2, "\(unknown.stderr)")
    #expect(!FileManager.default.fileExists(atPath: directory.path("out.jsonl")))
  }

  @Test func aReportDirectoryThatCannotBeWrittenExitsFour() async throws {
    let (directory, _, blocker) = try workspace()
    let evaluated = await refold([
      "eval", Repository.root + "/evals/deploybot", "--db", directory.path("refold.sqlite"),
      "--out", blocker + "/report",
    ])
    #expect(evaluated.code == 4, "\(evaluated.stderr)")
    #expect(evaluated.stderr.contains("refold: Cannot write \(blocker)"), "\(evaluated.stderr)")
  }
}
