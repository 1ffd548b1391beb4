import Foundation
import RefoldCore
import RefoldEval
import RefoldModels
import RefoldShared

/// A suite on disk for the `eval` benchmark, as a team would keep it: `suite.yaml`, the
/// repository's deploy-bot agent spec and prompts, one fixture file of golden threads, an
/// `expectations.yaml`, and the cassette `refold eval` replays.
enum BenchSuite {
  /// The shape of the golden threads.
  enum Shape: String {
    /// A converted public agent-eval workload: one golden thread per decision point, 4–12
    /// prior events each (``PublicWorkloadThreads``).
    case publicWorkload = "public"
    /// Whole deploy-bot threads of 4–5 decisions each (``EvalThreads``).
    case deploybot
  }

  /// Golden threads of `shape` holding `decisions` decisions in all.
  static func threads(decisions: Int, shape: Shape) -> [[Event]] {
    switch shape {
    case .deploybot: return EvalBench.threads(decisions: decisions)
    case .publicWorkload:
      var generator = PublicWorkloadThreads(seed: 23)
      return (0..<decisions).map { _ in generator.nextThread() }
    }
  }

  /// Writes the suite of `decisions` decisions into `directory` (created), its cassette
  /// as `cassettes/default<cassetteExtension>`.
  static func write(
    decisions: Int, shape: Shape, directory: String, cassetteExtension: String = ".jsonl"
  ) throws {
    let manager = FileManager.default
    for sub in ["threads", "cassettes", "prompts"] {
      try manager.createDirectory(
        atPath: (directory as NSString).appendingPathComponent(sub),
        withIntermediateDirectories: true)
    }
    let agent = try EvalBench.repositoryPath("evals/deploybot/agent.yaml")
    let prompts = ((agent as NSString).deletingLastPathComponent as NSString)
      .appendingPathComponent("prompts")
    try manager.copyItem(
      atPath: agent, toPath: (directory as NSString).appendingPathComponent("agent.yaml"))
    for prompt in try manager.contentsOfDirectory(atPath: prompts) {
      try manager.copyItem(
        atPath: (prompts as NSString).appendingPathComponent(prompt),
        toPath: ((directory as NSString).appendingPathComponent("prompts") as NSString)
          .appendingPathComponent(prompt))
    }
    let suite = """
      # A generated suite for refold-bench eval (\(shape.rawValue) shape, \(decisions) decisions).
      name: bench
      agent: agent.yaml
      fixtures:
        - threads/*.jsonl
      expectations: expectations.yaml
      cassette: cassettes/{variant}\(cassetteExtension)
      modes: [step]

      """
    try Data(suite.utf8).write(
      to: URL(fileURLWithPath: (directory as NSString).appendingPathComponent("suite.yaml")))

    let threads = threads(decisions: decisions, shape: shape)
    // Free text passes in any wording; every hundredth thread has its own entry, so a
    // lookup by thread name has many exact names to choose from.
    var expectations = """
      - thread: "*"
        intents:
          done_for_now: {message: any}

      """
    for (index, events) in threads.enumerated() where index % 100 == 0 {
      guard let id = events.first?.thread else { continue }
      expectations += """
        - thread: \(id)
          steps:
            - step: 0
              accept: [list_git_tags, check_deployment_status]

        """
    }
    try Data(expectations.utf8).write(
      to: URL(fileURLWithPath: (directory as NSString).appendingPathComponent("expectations.yaml")))

    var buffer: [UInt8] = []
    for events in threads {
      for event in events {
        event.writeLine(into: &buffer)
        buffer.append(0x0A)
      }
    }
    try Data(buffer).write(
      to: URL(
        fileURLWithPath: (directory as NSString).appendingPathComponent("threads/threads.jsonl")))
    buffer = []

    let cassette = ((directory as NSString).appendingPathComponent("cassettes") as NSString)
      .appendingPathComponent("default\(cassetteExtension)")
    try writeCassette(threads: threads, path: cassette)
  }

  /// Records one OpenAI-shaped `next_step` answer per decision point of `threads` into a
  /// cassette at `path` (gzip, as one member, when it ends in `.gz`), about 85% of them right.
  static func writeCassette(threads: [[Event]], path: String) throws {
    let spec = try EvalBench.loadSpec()
    let builder = try RequestBuilder(spec: spec)
    let reducer = spec.reducer
    var random = SplitMix64(seed: 5)
    var buffer: [UInt8] = []
    var counts: [String: Int] = [:]
    var written = 0
    for events in threads {
      let golden = GoldenThread(events: events, reducer: reducer)
      for point in golden.decisions {
        let request = try builder.request(
          thread: golden.id, events: Array(events[..<point.eventIndex]))
        let answer = EvalBench.answer(for: point.intent, random: &random)
        let n = counts[request.key, default: 0]
        counts[request.key] = n + 1
        let exchange = Exchange(
          key: request.key, n: n, provider: "openai", request: request.body,
          response: EvalBench.response(answer, number: written),
          latencyMilliseconds: 120 + Double(random.next() % 400),
          usage: TokenUsage(inputTokens: 900 + Int(random.next() % 300), outputTokens: 30),
          recordedAt: "2026-11-20T10:00:00Z", thread: golden.id,
          meta: ["http_status": 200, "retries": 0])
        buffer += Array(exchange.jsonLine.utf8)
        buffer.append(0x0A)
        written += 1
      }
    }
    if GzipFile.isGzip(path) {
      buffer = try buffer.withUnsafeBufferPointer { try GzipFile.deflate($0) }
    }
    try Data(buffer).write(to: URL(fileURLWithPath: path))
  }
}
