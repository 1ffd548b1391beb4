import Foundation
import RefoldCore
import RefoldPostgres
import RefoldShared
import RefoldStore
import RefoldTestSupport
import Testing

/// A run's cases and golden threads kept as rows of their own, and runs stored before
/// they were (whole in `runs.results`) read back the same.
@Suite struct RunStoreRowsTests {
  func results(id: String) -> RunResults {
    let info = RunInfo(
      id: id, suite: "deploy-bot", variant: "baseline", modes: ["step", "loop"],
      modelSource: "recorded", startedAt: "2026-11-20T10:00:00Z",
      finishedAt: "2026-11-20T10:01:00Z", toolVersion: "test")
    let cases = (0..<40).map { index in
      CaseResult(
        id: "t\(index % 7)#\(index)", thread: "t\(index % 7)", mode: "step", step: index,
        seq: index * 2 + 1, expected: Intent(name: "deploy_backend", parameters: ["tag": "v1"]),
        actual: Intent(name: index % 3 == 0 ? "done_for_now" : "deploy_backend"),
        verdict: index % 3 == 0 ? .wrongIntent : .pass)
    }
    let threads = (0..<7).reduce(into: [String: [Event]]()) { map, index in
      map["t\(index)"] = [
        Event(
          thread: "t\(index)", seq: 0, type: "slack_message",
          data: ["text": "ship \"v1\" / now ✓", "n": .int(Int64(index))],
          at: "2026-11-20T10:00:00Z"),
        Event(
          thread: "t\(index)", seq: 1, type: "deploy_backend", data: ["tag": "v1"],
          id: "e\(index)", meta: ["exchange": "sha256:abc"]),
      ]
    }
    let rate = Rate(passed: 26, total: 40, rate: 0.65, low: 0.5, high: 0.78)
    let summary = RunSummary(
      decisions: 40, intentAccuracy: rate, parameterAccuracy: rate, casePassRate: rate,
      retry: RetrySummary(
        afterError: 0, correctedRetry: 0, identicalRetry: 0, gaveUp: 0, escalated: 0,
        overRetries: 0, expectedBehaviour: rate),
      escalation: EscalationSummary(onTime: 0, early: 0, late: 0, never: 0, onTimeRate: rate))
    return RunResults(
      run: info, summary: summary,
      byIntent: IntentBreakdown(labels: ["deploy_backend"], matrix: [[1]], intents: [:]),
      cases: cases, threads: threads)
  }

  @Test func casesAndThreadsRoundTripThroughTheirRows() throws {
    let directory = try TemporaryDirectory()
    let database = try RefoldDatabase(path: directory.path("refold.sqlite"))
    let runs = SQLiteRunStore(database: database)
    let run = results(id: "run-1")
    try runs.save(run)
    #expect(try runs.run(id: "run-1") == run)
    let rows: (cases: Int, threads: Int, length: Int) = try database.withConnection {
      connection in
      let count = try connection.prepare(
        """
        SELECT (SELECT count(*) FROM case_results WHERE run_id = 'run-1' AND body IS NOT NULL),
          (SELECT count(*) FROM run_threads WHERE run_id = 'run-1'),
          (SELECT length(results) FROM runs WHERE id = 'run-1')
        """)
      defer { count.reset() }
      _ = try count.step()
      return (count.int(at: 0), count.int(at: 1), count.int(at: 2))
    }
    #expect(rows.cases == 40)
    #expect(rows.threads == 7)
    // The run's own row holds neither its cases nor its threads.
    var head = run
    head.cases = []
    head.threads = nil
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    #expect(rows.length == (try encoder.encode(head)).count)
  }

  @Test(
    .enabled(
      if: PostgresTestServer.shared != nil, Comment(rawValue: PostgresTestServer.skipMessage)))
  func casesAndThreadsRoundTripThroughTheirRowsOnPostgres() throws {
    let runs = try PostgresRunStore(url: try PostgresTestServer.freshSchema())
    let run = results(id: "run-1")
    try runs.save(run)
    #expect(try runs.run(id: "run-1") == run)
    let counts = try runs.connection.withLock {
      try runs.connection.query(
        """
        SELECT (SELECT count(*) FROM case_results WHERE run_id = 'run-1' AND body IS NOT NULL),
          (SELECT count(*) FROM run_threads WHERE run_id = 'run-1'),
          (SELECT octet_length(results) FROM runs WHERE id = 'run-1')
        """
      ).rows.first ?? []
    }
    var head = run
    head.cases = []
    head.threads = nil
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    #expect(counts == ["40", "7", String(try encoder.encode(head).count)])
  }

  @Test func aRunStoredWholeBeforeCaseRowsReadsBackTheSame() throws {
    let directory = try TemporaryDirectory()
    let database = try RefoldDatabase(path: directory.path("refold.sqlite"))
    let run = results(id: "old-run")
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    let whole = String(decoding: try encoder.encode(run), as: UTF8.self)
    try database.withConnection { connection in
      let insert = try connection.prepare(
        """
        INSERT INTO runs (id, suite, variant, started_at, finished_at, model_source, info,
          summary, results)
        VALUES ('old-run', 'deploy-bot', 'baseline', '2026-11-20T10:00:00Z',
          '2026-11-20T10:01:00Z', 'recorded', ?, ?, ?)
        """)
      insert.bind(String(decoding: try encoder.encode(run.run), as: UTF8.self), at: 1)
      insert.bind(String(decoding: try encoder.encode(run.summary), as: UTF8.self), at: 2)
      insert.bind(whole, at: 3)
      try insert.run()
      // Its verdict rows, as stored then: no body.
      try connection.execute(
        """
        INSERT INTO case_results (run_id, case_id, thread, mode, verdict)
        VALUES ('old-run', 't0#0', 't0', 'step', 'pass')
        """)
    }
    #expect(try SQLiteRunStore(database: database).run(id: "old-run") == run)
  }
}
