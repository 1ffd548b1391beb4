import Foundation
import RefoldCLI
import RefoldCore
import RefoldStore
import RefoldTestSupport
import Testing

/// `refold export --all` and `refold threads` read the store in one pass: 20,000 threads
/// in a few seconds, the same bytes as exporting each thread by name.
@Suite struct LinearListingTests {
  func refold(_ arguments: [String]) async -> (code: Int32, stdout: String, stderr: String) {
    let stdout = CapturedOutput()
    let stderr = CapturedOutput()
    let code = await CLI.run(arguments: arguments, stdout: stdout, stderr: stderr)
    return (code, stdout.text, stderr.text)
  }

  @Test func exportOfTwentyThousandThreadsIsTheExportOfEachThread() async throws {
    let directory = try TemporaryDirectory()
    let count = 20_000
    var text = ""
    var names: [String] = []
    for number in 0..<count {
      let thread = "t-\(number)"
      names.append(thread)
      text += Event(thread: thread, seq: 0, type: "slack_message", data: ["text": "ship"]).jsonLine
      text += "\n"
      text += Event(thread: thread, seq: 1, type: "list_git_tags").jsonLine + "\n"
      text += Event(thread: thread, seq: 2, type: "done_for_now", data: ["message": "ok"]).jsonLine
      text += "\n"
    }
    let file = try directory.write("threads.jsonl", text)
    let db = directory.path("refold.sqlite")
    #expect(await refold(["import", file, "--db", db]).code == 0)

    let started = Date()
    let out = directory.path("all.jsonl")
    let exported = await refold(["export", "--all", "-o", out, "--db", db])
    #expect(exported.code == 0, "\(exported.stderr)")
    let listed = await refold(["threads", "--db", db])
    let elapsed = Date().timeIntervalSince(started)
    #expect(listed.code == 0)
    #expect(listed.stdout.split(separator: "\n").count == count + 1)
    #expect(elapsed < 10, "export and listing took \(elapsed) s")

    var byName: [UInt8] = []
    let store = try SQLiteEventStore(path: db)
    try EventExporter(store: store).export(names.sorted()) { byName += $0 }
    let all = try Data(contentsOf: URL(fileURLWithPath: out))
    #expect(all == Data(byName))
    #expect(all.count == text.utf8.count)
  }
}
