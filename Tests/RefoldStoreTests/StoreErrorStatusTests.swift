import Foundation
import RefoldCore
import RefoldStore
import RefoldTestSupport
import Testing

/// Which store failures are the environment's (exit 4) and which the input's (exit 2), on a
/// real SQLite file.
@Suite struct StoreErrorStatusTests {
  @Test func aBusyDatabaseIsAnEnvironmentFailure() throws {
    let directory = try TemporaryDirectory()
    let path = directory.path("busy.sqlite")
    let holder = try SQLiteConnection(path: path)
    try holder.execute("CREATE TABLE t (x INTEGER)")
    try holder.execute("BEGIN IMMEDIATE")
    defer { try? holder.execute("ROLLBACK") }
    let waiter = try SQLiteConnection(path: path, busy: BusyPolicy(timeout: .milliseconds(20)))
    let error = try #require(throws: StoreError.self) {
      try waiter.execute("INSERT INTO t VALUES (1)")
    }
    #expect(error.resultCode.map { $0 & 0xFF } == 5)
    #expect(error.exitStatus == .environment)
  }

  @Test func aFileThatIsNotADatabaseIsInvalidInput() throws {
    let directory = try TemporaryDirectory()
    let path = try directory.write("notes.sqlite", "these are notes, not a database\n")
    let error = try #require(throws: StoreError.self) { try RefoldDatabase(path: path) }
    #expect(error.exitStatus == .invalidInput)
  }

  @Test func invalidLinesPrintOneLineEach() {
    let error = StoreError.invalidLines([
      .init(file: "a.jsonl", line: 2, reason: "missing type"),
      .init(file: "a.jsonl", line: 5, reason: "invalid JSON"),
    ])
    #expect(error.lines == ["a.jsonl:2: missing type", "a.jsonl:5: invalid JSON"])
    #expect(error.exitStatus == .invalidInput)
  }
}
