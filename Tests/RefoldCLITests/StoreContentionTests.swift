import Foundation
import RefoldStore
import RefoldTestSupport
import Testing

/// Writers that meet on one store, as separate `refold` processes: a new file created by two
/// at once, a writer that waits out another, and one that gives up and says who held it.
@Suite(.serialized) struct StoreContentionTests {
  static func events(thread: String, count: Int) -> String {
    (0..<count).map { seq in
      #"{"thread":"\#(thread)","seq":\#(seq),"type":"slack_message","data":{"text":"m\#(seq)"}}"#
    }.joined(separator: "\n") + "\n"
  }

  @Test func twoProcessesCreatingOneNewStoreBothSucceed() throws {
    #expect(FileManager.default.isExecutableFile(atPath: RefoldProcess.executable))
    let directory = try TemporaryDirectory()
    let first = try directory.write("a.jsonl", Self.events(thread: "a", count: 20))
    let second = try directory.write("b.jsonl", Self.events(thread: "b", count: 20))
    for trial in 0..<50 {
      let db = directory.path("trial-\(trial)/refold.sqlite")
      let one = try RefoldProcess.start(["import", first, "--db", db])
      let two = try RefoldProcess.start(["import", second, "--db", db])
      let outcomes = [one.wait(), two.wait()]
      for outcome in outcomes {
        #expect(outcome.status == 0, "trial \(trial): \(outcome.stderr)")
      }
      let database = try RefoldDatabase(path: db)
      let count = try database.withConnection { connection in
        let statement = try connection.prepare("SELECT count(*) FROM events")
        return try statement.step() ? statement.int(at: 0) : -1
      }
      #expect(count == 40, "trial \(trial)")
      if outcomes.contains(where: { $0.status != 0 }) { break }
    }
  }

  @Test func aWriterWaitsOutAnother() throws {
    let directory = try TemporaryDirectory()
    let db = directory.path("refold.sqlite")
    let first = try directory.write("a.jsonl", Self.events(thread: "a", count: 5))
    let second = try directory.write("b.jsonl", Self.events(thread: "b", count: 5))
    #expect(try RefoldProcess.run(["import", first, "--db", db]).status == 0)
    let holder = try SQLiteConnection(path: db)
    let started = Date()
    let waiting = try holder.transaction {
      try holder.execute("UPDATE threads SET event_count = event_count")
      let waiting = try RefoldProcess.start(["import", second, "--db", db])
      Thread.sleep(forTimeInterval: 1)
      return waiting
    }
    let outcome = waiting.wait()
    #expect(outcome.status == 0, "\(outcome.stderr)")
    #expect(outcome.stdout.contains("5 events written"))
    #expect(Date().timeIntervalSince(started) >= 1)
  }

  @Test func aWriterGivesUpWithExitFourNamingTheStoreAndTheOtherWriter() throws {
    let directory = try TemporaryDirectory()
    let db = directory.path("refold.sqlite")
    let first = try directory.write("a.jsonl", Self.events(thread: "a", count: 5))
    let second = try directory.write("b.jsonl", Self.events(thread: "b", count: 5))
    #expect(try RefoldProcess.run(["import", first, "--db", db]).status == 0)
    let holder = try SQLiteConnection(
      path: db, busy: BusyPolicy(timeout: .seconds(5), writer: "refold import"))
    let outcome = try holder.transaction {
      try holder.execute("UPDATE threads SET event_count = event_count")
      return try RefoldProcess.run(["import", second, "--db", db, "--busy-timeout", "0.3"])
    }
    #expect(outcome.status == 4)
    let lines = outcome.stderr.split(separator: "\n")
    #expect(lines.count == 1, "\(outcome.stderr)")
    #expect(outcome.stderr.contains("the store \(db) is busy"))
    #expect(outcome.stderr.contains("another writer (refold import, pid \(getpid()))"))
    #expect(outcome.stderr.contains("--busy-timeout"))
    #expect(FileManager.default.fileExists(atPath: db + "-writer"))
  }

  @Test func anEvaluationWhoseStoreIsLockedKeepsItsReportsAndImportRunStoresThem() throws {
    let directory = try TemporaryDirectory()
    let db = directory.path("refold.sqlite")
    let reports = directory.path("reports")
    _ = try RefoldDatabase(path: db)
    let holder = try SQLiteConnection(path: db)
    let outcome = try holder.transaction {
      try RefoldProcess.run([
        "eval", Repository.root + "/evals/deploybot", "--db", db, "--out", reports,
        "--busy-timeout", "0.2",
      ])
    }
    #expect(outcome.status == 4, "\(outcome.stderr)")
    // The evaluation's results.json names each variant's own file, which import-run takes.
    let manifest = reports + "/results.json"
    let primary = reports + "/baseline/results.json"
    let variant = reports + "/concise-json/results.json"
    for file in [manifest, primary, variant, reports + "/report.html", reports + "/junit.xml"] {
      #expect(FileManager.default.fileExists(atPath: file), "\(file)")
    }
    #expect(outcome.stderr.contains("its reports are in \(reports)"), "\(outcome.stderr)")
    #expect(outcome.stderr.contains("refold import-run \(primary) --db \(db)"))
    #expect(outcome.stderr.contains("refold import-run \(variant) --db \(db)"))
    #expect(outcome.stderr.contains("is busy"))
    #expect(try SQLiteRunStore(path: db).runs(suite: "deploybot").isEmpty)

    let imported = try RefoldProcess.run(["import-run", manifest, "--db", db])
    #expect(imported.status == 0, "\(imported.stderr)")
    let stored = try SQLiteRunStore(path: db).runs(suite: "deploybot")
    #expect(stored.map(\.info.variant).sorted() == ["baseline", "concise-json"])
  }
}
