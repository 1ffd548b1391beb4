import Foundation
import RefoldCore
import RefoldEval
import RefoldModels
import RefoldShared

/// The `agent` benchmark: the cost of the `refold.next-step/v1` protocol itself.
///
/// Step-mode evaluation of the synthetic deploy-bot suite against a trivial command agent (a
/// Python loop that answers `done_for_now` to every line without reading it), end to end as
/// `refold eval` does it per decision: build and encode the request with the thread so far,
/// write it to a slot's process, read and decode the answer, score it, stream the case to a
/// results file. What is measured is the harness, never the agent.
enum AgentBench {
  /// The trivial agent: one fixed answer per request line.
  static let agent = [
    "python3", "-c",
    "import sys\nanswer = '{\"intent\":\"done_for_now\",\"params\":{}}\\n'\n"
      + "for line in sys.stdin:\n    sys.stdout.write(answer)\n    sys.stdout.flush()\n",
  ]

  /// Runs the evaluation of `decisions` decisions with `concurrency` agent processes and
  /// prints the figures.
  static func measure(decisions: Int, concurrency: Int, resultsPath: String) async throws {
    let spec = try EvalBench.loadSpec()
    let threads = EvalBench.threads(decisions: decisions)
    let decider = try ExternalAgentDecider(
      agent: ExternalAgent(endpoint: .command(agent), timeout: 60), suite: "bench",
      variant: "baseline", vocabulary: spec.vocabulary)
    let info = RunInfo(
      id: "bench-agent", suite: "bench", variant: "baseline", modes: ["step"],
      modelSource: "agent", startedAt: "2026-11-20T10:00:00Z",
      finishedAt: "2026-11-20T10:00:00Z", toolVersion: "bench")
    let writer = try ResultsWriter(path: resultsPath, run: info)
    let evaluator = Evaluator(
      spec: spec, decider: decider,
      options: .init(modes: [.step], concurrency: concurrency, keepsCases: false))
    let start = now()
    let startCPU = cpuSeconds()
    let outcome = try await evaluator.run(threads: threads, info: info) { try writer.append($0) }
    try writer.finish(summary: outcome.results.summary, byIntent: outcome.results.byIntent)
    let elapsed = now() - start
    let elapsedCPU = cpuSeconds() - startCPU
    let summary = outcome.results.summary
    let total = writer.caseCount
    print(
      "agent: \(format(Double(total))) decisions in \(format(Double(threads.count))) threads, "
        + "\(concurrency) agent \(concurrency == 1 ? "process" : "processes"); cases passed \(summary.casePassRate.passed)/"
        + "\(summary.casePassRate.total), source failures \(outcome.sourceFailures.count)")
    print(
      "agent: \(String(format: "%.3f", elapsed)) s: "
        + "\(format(Double(total) / elapsed)) decisions/s; "
        + "\(format(Double(total) / elapsedCPU)) decisions per CPU second of refold; "
        + "peak RSS \(String(format: "%.1f", peakRSS())) MiB")
  }
}
