import Foundation
import RefoldCore
import RefoldShared
import RefoldTestSupport
import Testing

@testable import RefoldStore

/// The run store keeps each run's scope in `runs.scope` (schema 4); runs stored before it
/// read back without one.
@Suite struct RunScopeStoreTests {
  func run(id: String, startedAt: String, scope: RunInfo.Scope?) -> RunResults {
    let rate = Rate(passed: 1, total: 1, rate: 1, low: 0.2, high: 1)
    let summary = RunSummary(
      decisions: 1, intentAccuracy: rate, parameterAccuracy: rate, casePassRate: rate,
      retry: RetrySummary(
        afterError: 0, correctedRetry: 0, identicalRetry: 0, gaveUp: 0, escalated: 0,
        overRetries: 0, expectedBehaviour: rate),
      escalation: EscalationSummary(onTime: 0, early: 0, late: 0, never: 0, onTimeRate: rate))
    let info = RunInfo(
      id: id, suite: "deploy-bot", variant: "baseline", modes: ["step"],
      modelSource: "recorded", startedAt: startedAt, finishedAt: startedAt, toolVersion: "0.1.0",
      scope: scope)
    return RunResults(
      run: info, summary: summary,
      byIntent: IntentBreakdown(labels: ["list_git_tags"], matrix: [[1]], intents: [:]),
      cases: [
        CaseResult(
          id: "deploy-001#0", thread: "deploy-001", mode: "step", step: 0, seq: 1,
          expected: Intent(name: "list_git_tags"), actual: Intent(name: "list_git_tags"),
          verdict: .pass)
      ])
  }

  func storedScopes(_ database: RefoldDatabase) throws -> [String?] {
    try database.withConnection { connection in
      let statement = try connection.prepare("SELECT scope FROM runs ORDER BY started_at")
      defer { statement.reset() }
      var scopes: [String?] = []
      while try statement.step() { scopes.append(statement.string(at: 0)) }
      return scopes
    }
  }

  @Test func aDatabaseOfSchemaThreeGainsTheColumnAndItsRunsHaveNoScope() throws {
    let directory = try TemporaryDirectory()
    let path = directory.path("refold.sqlite")
    // A database as schema 3 left it, with a run stored then.
    let legacy = run(id: "run-old", startedAt: "2026-11-20T10:00:00Z", scope: nil)
    do {
      let connection = try SQLiteConnection(path: path)
      for sql in SchemaMigrations.all.prefix(3) { try connection.execute(sql) }
      try connection.execute("PRAGMA user_version = 3")
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.sortedKeys]
      let insert = try connection.prepare(
        """
        INSERT INTO runs (id, suite, variant, started_at, finished_at, model_source, info,
          summary, results)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
        """)
      insert.bind(legacy.run.id, at: 1)
      insert.bind(legacy.run.suite, at: 2)
      insert.bind(legacy.run.variant, at: 3)
      insert.bind(legacy.run.startedAt, at: 4)
      insert.bind(legacy.run.finishedAt, at: 5)
      insert.bind(legacy.run.modelSource, at: 6)
      insert.bind(String(decoding: try encoder.encode(legacy.run), as: UTF8.self), at: 7)
      insert.bind(String(decoding: try encoder.encode(legacy.summary), as: UTF8.self), at: 8)
      insert.bind(String(decoding: try encoder.encode(legacy), as: UTF8.self), at: 9)
      try insert.run()
      insert.reset()
    }
    let database = try RefoldDatabase(path: path)
    #expect(try database.schemaVersion() == SchemaMigrations.latestVersion)
    let store = SQLiteRunStore(database: database)
    #expect(try store.runs(suite: "deploy-bot").map(\.info.scope) == [nil])
    #expect(try storedScopes(database) == [nil])

    let adHoc = run(id: "run-new", startedAt: "2026-11-21T10:00:00Z", scope: .adHoc)
    try store.save(adHoc)
    #expect(try storedScopes(database) == [nil, "ad_hoc"])
    #expect(try store.runs(suite: "deploy-bot").map(\.info.scope) == [nil, .adHoc])
    #expect(try store.run(id: "run-new") == adHoc)
    #expect(try store.run(id: "run-old")?.run.scope == nil)
  }

  @Test(arguments: RunInfo.Scope.allCases)
  func everyScopeIsStoredInItsColumn(scope: RunInfo.Scope) throws {
    let directory = try TemporaryDirectory()
    let database = try RefoldDatabase(path: directory.path("refold.sqlite"))
    let store = SQLiteRunStore(database: database)
    try store.save(run(id: "run-1", startedAt: "2026-11-21T10:00:00Z", scope: scope))
    #expect(try storedScopes(database) == [scope.rawValue])
    #expect(try store.runs(suite: "deploy-bot").first?.info.scope == scope)
  }
}
