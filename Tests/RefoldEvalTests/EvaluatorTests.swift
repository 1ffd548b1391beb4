import Foundation
import RefoldCore
import RefoldShared
import RefoldTesting
import Synchronization
import Testing

@testable import RefoldEval

private let info = RunInfo(
  id: "run-1", suite: "deploybot", variant: "baseline", modes: ["step", "loop"],
  modelSource: "recorded", startedAt: "2026-11-20T10:00:00Z", finishedAt: "2026-11-20T10:01:00Z",
  toolVersion: "test")

/// Twelve golden threads; the decider gets some decisions wrong in a pattern that depends
/// on the thread, so that shards see different mistakes.
private let threads: [[Event]] = (0..<12).map { happyThread("deploy-\($0)") }

private func mistakes() -> ScriptedDecider {
  var overrides: [String: [Int: Decision.Outcome]] = [:]
  for index in 0..<12 where index % 3 == 0 {
    overrides["deploy-\(index)"] = [
      1: .intent(
        Intent(name: "deploy_backend", parameters: ["tag": "v1.4.1", "environment": "production"]))
    ]
  }
  for index in 0..<12 where index % 4 == 1 {
    overrides["deploy-\(index)", default: [:]][3] = .failure("unparseable")
  }
  let table = oracle(threads, reducer: deployReducer, overrides: overrides)
  // In loop mode an invalid output is followed by another question: the agent wraps up.
  return scripted { thread, events in
    if let answer = try? await table.decide(thread: thread, events: events) {
      return answer.outcome
    }
    return events.last?.type == "error"
      ? .intent(Intent(name: "done_for_now", parameters: ["message": "done"])) : nil
  }
}

private func evaluate(
  shard: Shard? = nil, concurrency: Int = 4, modes: [ReplayMode] = [.step, .loop]
)
  async throws -> EvaluationOutcome
{
  let evaluator = Evaluator(
    spec: deploySpec, decider: mistakes(),
    options: Evaluator.Options(
      modes: modes, concurrency: concurrency, shard: shard, clock: fixedClock))
  var runInfo = info
  runInfo.shard = shard?.description
  return try await evaluator.run(threads: threads, info: runInfo)
}

@Suite struct EvaluatorTests {
  @Test func casesComeInFixtureOrderWhateverTheConcurrency() async throws {
    let parallel = try await evaluate(concurrency: 4)
    let serial = try await evaluate(concurrency: 1)
    #expect(parallel.results == serial.results)
    let ids = parallel.results.cases.map(\.id)
    #expect(
      ids.prefix(5) == ["deploy-0#0", "deploy-0#1", "deploy-0#2", "deploy-0#3", "deploy-0@loop"])
    #expect(ids.count == 12 * 5)
    let summary = parallel.results.summary
    #expect(summary.decisions == 48)
    #expect(summary.intentAccuracy.passed == 48 - 3)
    #expect(summary.parameterAccuracy.total == 45)
    #expect(summary.parameterAccuracy.passed == 41)
    #expect(summary.loop?.runs == 12)
    #expect(summary.loop?.divergences == 4)
    #expect(summary.tokens?.decisionsWithUsage == 48)
    #expect(summary.tokens?.input == 4800)
    #expect(summary.tokens?.perDecision == 110)
    #expect(parallel.results.byIntent.labels.last == Scorer.failureLabel)
    #expect(parallel.sourceFailures.isEmpty)
  }

  @Test func sinkSeesEveryCaseInOrder() async throws {
    let seen = Mutex<[String]>([])
    let evaluator = Evaluator(
      spec: deploySpec, decider: mistakes(),
      options: Evaluator.Options(modes: [.step], keepsCases: false))
    let outcome = try await evaluator.run(threads: threads, info: info) { result in
      seen.withLock { $0.append(result.id) }
    }
    #expect(outcome.results.cases.isEmpty)
    #expect(outcome.results.summary.decisions == 48)
    #expect(seen.withLock { $0 }.count == 48)
    #expect(seen.withLock { $0 }.first == "deploy-0#0")
    #expect(seen.withLock { $0 }.last == "deploy-11#3")
  }

  @Test func shardsPartitionThreadsAndMergeToTheUnshardedRun() async throws {
    let whole = try await evaluate()
    var shards: [RunResults] = []
    var covered: [String] = []
    for index in 1...3 {
      let shard = try Shard(index, of: 3)
      let part = try await evaluate(shard: shard)
      #expect(part.results.run.shard == "\(index)/3")
      covered += Set(part.results.cases.map(\.thread)).sorted()
      shards.append(part.results)
    }
    #expect(covered.sorted() == threads.map { $0[0].thread }.sorted())
    #expect(shards.allSatisfy { !$0.cases.isEmpty })
    let merged = try RunResults.merge(shards)
    #expect(merged.summary == whole.results.summary)
    #expect(merged.byIntent == whole.results.byIntent)
    #expect(Set(merged.cases) == Set(whole.results.cases))
    #expect(merged.run.shard == nil)
    #expect(throws: SuiteError.self) { try RunResults.merge([shards[0], shards[0]]) }
    // The N shards of a whole-suite run merge into a whole-suite run; a missing shard or a
    // selection among them does not, and shards recorded without a scope give none.
    func scoped(_ runs: [RunResults], _ scope: RunInfo.Scope?) -> [RunResults] {
      runs.map { run in
        var run = run
        run.run.scope = scope
        return run
      }
    }
    #expect(merged.run.scope == nil)
    #expect(try RunResults.merge(scoped(shards, .shard)).run.scope == .suite)
    #expect(try RunResults.merge(scoped(Array(shards.prefix(2)), .shard)).run.scope == .adHoc)
    var mixed = scoped(shards, .shard)
    mixed[1].run.scope = .adHoc
    #expect(try RunResults.merge(mixed).run.scope == .adHoc)
  }

  @Test func shardAssignmentIsStable() throws {
    #expect(Shard.fnv1a("") == 0xcbf2_9ce4_8422_2325)
    #expect(Shard.fnv1a("a") == 0xaf63_dc4c_8601_ec8c)
    let shard = try Shard(parsing: "2/4")
    #expect(shard.index == 2 && shard.count == 4)
    #expect(throws: SuiteError.self) { try Shard(parsing: "5/4") }
    #expect(throws: SuiteError.self) { try Shard(parsing: "x") }
  }

  @Test func streamedResultsDecodeToTheInMemoryResults() async throws {
    let outcome = try await Evaluator(
      spec: deploySpec, decider: mistakes(),
      options: Evaluator.Options(modes: [.step, .loop], includesThreads: true, clock: fixedClock)
    ).run(threads: threads, info: info)
    #expect(outcome.results.threads?.count == 12)
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let path = directory.appendingPathComponent("results.json").path
    let writer = try ResultsWriter(path: path, run: info)
    for result in outcome.results.cases { try writer.append(result) }
    try writer.finish(
      summary: outcome.results.summary, byIntent: outcome.results.byIntent,
      threads: outcome.results.threads)
    let decoded = try JSONDecoder().decode(
      RunResults.self, from: try Data(contentsOf: URL(fileURLWithPath: path)))
    #expect(decoded == outcome.results)
    #expect(writer.caseCount == outcome.results.cases.count)
  }

  @Test func resultsWriterWritesAFile() async throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let path = directory.appendingPathComponent("results.json").path
    let outcome = try await evaluate(modes: [.step])
    let writer = try ResultsWriter(path: path, run: info)
    let evaluator = Evaluator(
      spec: deploySpec, decider: mistakes(), options: Evaluator.Options(keepsCases: false))
    let streamed = try await evaluator.run(threads: threads, info: info) { try writer.append($0) }
    try writer.finish(summary: streamed.results.summary, byIntent: streamed.results.byIntent)
    let decoded = try JSONDecoder().decode(
      RunResults.self, from: try Data(contentsOf: URL(fileURLWithPath: path)))
    #expect(decoded.cases == outcome.results.cases)
    #expect(decoded.summary == outcome.results.summary)
  }

  @Test func sourceErrorsAreReportedAndCanStopTheRun() async throws {
    let decider = scripted { thread, events in
      thread == "deploy-2" && events.count == 3 ? nil : .intent(Intent(name: "list_git_tags"))
    }
    let lenient = try await Evaluator(
      spec: deploySpec, decider: decider, options: Evaluator.Options(modes: [.step])
    ).run(threads: threads, info: info)
    #expect(lenient.sourceFailures.count == 1)
    #expect(lenient.results.summary.sourceErrors == 1)
    #expect(lenient.results.summary.decisions == 47)

    let strict = try await Evaluator(
      spec: deploySpec, decider: decider,
      options: Evaluator.Options(modes: [.step], concurrency: 1, stopOnSourceError: true)
    ).run(threads: threads, info: info)
    #expect(strict.sourceFailures.count == 1)
    #expect(strict.results.cases.last?.verdict == .sourceError)
    #expect(strict.results.cases.last?.thread == "deploy-2")
  }
}
