import Foundation
import RefoldCLI
import RefoldCore
import RefoldStore
import RefoldTestSupport
import Testing

/// `refold import --otel` on the captured exports of fixtures/otel/: traces and logs in two
/// files or in one, stored in one transaction.
@Suite struct OTelImportCommandTests {
  static let fixtures = Repository.root + "/fixtures/otel"

  func refold(_ arguments: [String]) async -> (code: Int32, stdout: String, stderr: String) {
    let stdout = CapturedOutput()
    let stderr = CapturedOutput()
    let code = await CLI.run(arguments: arguments, stdout: stdout, stderr: stderr)
    return (code, stdout.text, stderr.text)
  }

  @Test func tracesAndLogsInTwoFilesImportTogetherAndOnce() async throws {
    let directory = try TemporaryDirectory()
    let db = directory.path("otel.sqlite")
    let files = ["traces.json", "logs.json"].map { Self.fixtures + "/openai-v2/" + $0 }
    let imported = await refold(["import", "--otel"] + files + ["--db", db])
    #expect(imported.code == 0, "\(imported.stderr)")
    #expect(imported.stdout.hasPrefix("imported 2 files into \(db): 8 model calls, 4 threads, "))
    #expect(imported.stdout.contains(", 8 exchanges"))

    let exported = await refold(["export", "conv-rollback-7", "--db", db])
    #expect(exported.code == 0, "\(exported.stderr)")
    let events = try exported.stdout.split(separator: "\n").map {
      try JSONParser.parse(String($0))
    }
    #expect(events.map { $0["type"] } == ["user_input", "request_clarification"])
    #expect(events.last?["data"] == ["question": "Which environment?"])

    let again = await refold(["import", "--otel"] + files + ["--db", db])
    #expect(again.code == 0, "\(again.stderr)")
    #expect(again.stdout.contains(" 0 events written, "))
    #expect(again.stdout.hasSuffix(", 0 exchanges\n"))
  }

  @Test func tracesAloneSayTheirContentIsMissing() async throws {
    let directory = try TemporaryDirectory()
    let db = directory.path("otel.sqlite")
    let imported = await refold([
      "import", "--otel", Self.fixtures + "/openai-v2/traces.json", "--db", db,
    ])
    #expect(imported.code == 0, "\(imported.stderr)")
    #expect(imported.stdout.contains("8 model calls recorded no messages"))
  }

  @Test func aFileHoldingSpansAndLogsImportsAndAClashWritesNothing() async throws {
    let directory = try TemporaryDirectory()
    let db = directory.path("otel.sqlite")
    let file = Self.fixtures + "/openai-v2-legacy/export.json"
    let imported = await refold(["import", "--otel", file, "--db", db])
    #expect(imported.code == 0, "\(imported.stderr)")
    #expect(imported.stdout.contains("8 model calls, 4 threads"))
    let threads = await refold(["threads", "--db", db])

    // The same spans with other content: its events clash with the stored ones by id after
    // its new exchanges were counted; nothing of it stays, however often it is run.
    let changed = try directory.write(
      "changed.json",
      try String(contentsOfFile: file, encoding: .utf8)
        .replacingOccurrences(of: "say hello to the on-call engineer", with: "say hi"))
    let cassette = SQLiteCassetteStore(database: try RefoldDatabase(path: db))
    let exchanges = try cassette.allExchanges().count
    for _ in 0..<2 {
      let refused = await refold(["import", "--otel", changed, "--db", db])
      #expect(refused.code == 2)
      #expect(refused.stderr.contains("already has an event with id"), "\(refused.stderr)")
      #expect(refused.stderr.split(separator: "\n").count == 1, "\(refused.stderr)")
      #expect(try cassette.allExchanges().count == exchanges)
      #expect(await refold(["threads", "--db", db]).stdout == threads.stdout)
    }
  }
}
