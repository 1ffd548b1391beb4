import Foundation
import RefoldCore
import RefoldEval
import RefoldModels
import RefoldShared
import Synchronization

/// The `eval` benchmark: step-mode evaluation of a synthetic deploy-bot suite from a JSONL
/// cassette on disk, end to end as `refold eval` does it per decision (render, build and hash
/// the request, look it up, decode the answer, score it, stream the case to a results file).
enum EvalBench {
  /// The deploy-bot spec of the repository (`evals/deploybot/agent.yaml`), found from the
  /// current directory upwards.
  static func loadSpec() throws -> AgentSpec {
    var directory = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    while true {
      let candidate = directory.appendingPathComponent("evals/deploybot/agent.yaml").path
      if FileManager.default.fileExists(atPath: candidate) {
        return try AgentSpecLoader().load(path: candidate)
      }
      let parent = directory.deletingLastPathComponent()
      if parent.path == directory.path {
        throw SuiteError.unreadable(
          file: "evals/deploybot/agent.yaml", message: "not found from the current directory up")
      }
      directory = parent
    }
  }

  /// Golden threads holding at least `decisions` decisions in all (deterministic).
  static func threads(decisions: Int) -> [[Event]] {
    var generator = EvalThreads(seed: 11)
    var threads: [[Event]] = []
    var count = 0
    while count < decisions {
      let thread = generator.nextThread(maxDecisions: decisions - count)
      count += thread.decisions
      threads.append(thread.events)
    }
    return threads
  }

  /// Writes the cassette for the suite of `decisions` decisions to `path`: one OpenAI-shaped
  /// `next_step` answer per decision point, about 85% right.
  static func setup(decisions: Int, path: String) throws {
    let spec = try loadSpec()
    let builder = try RequestBuilder(spec: spec)
    let reducer = spec.reducer
    var random = SplitMix64(seed: 5)
    guard FileManager.default.createFile(atPath: path, contents: nil),
      let handle = FileHandle(forWritingAtPath: path)
    else {
      throw SuiteError.unreadable(file: path, message: "cannot create the cassette")
    }
    var counts: [String: Int] = [:]
    var buffer: [UInt8] = []
    var written = 0
    for events in threads(decisions: decisions) {
      let golden = GoldenThread(events: events, reducer: reducer)
      for point in golden.decisions {
        let request = try builder.request(
          thread: golden.id, events: Array(events[..<point.eventIndex]))
        let answer = answer(for: point.intent, random: &random)
        let n = counts[request.key, default: 0]
        counts[request.key] = n + 1
        let exchange = Exchange(
          key: request.key, n: n, provider: "openai", request: request.body,
          response: response(answer, number: written),
          latencyMilliseconds: 120 + Double(random.next() % 400),
          usage: TokenUsage(inputTokens: 900 + Int(random.next() % 300), outputTokens: 30),
          recordedAt: "2026-11-20T10:00:00Z", thread: golden.id,
          meta: ["http_status": 200, "retries": 0])
        buffer += Array(exchange.jsonLine.utf8)
        buffer.append(0x0A)
        written += 1
        if buffer.count > 1 << 20 {
          try handle.write(contentsOf: buffer)
          buffer.removeAll(keepingCapacity: true)
        }
      }
    }
    try handle.write(contentsOf: buffer)
    try handle.close()
  }

  /// The model's answer: the golden intent 85% of the time, else a wrong intent or wrong
  /// parameters.
  static func answer(for expected: Intent, random: inout SplitMix64) -> JSONValue {
    var members = expected.parameters.objectValue ?? [:]
    var name = expected.name
    let roll = random.next() % 100
    if roll >= 85 {
      if roll < 93 {
        name = expected.name == "done_for_now" ? "request_human_input" : "done_for_now"
        members = name == "done_for_now" ? ["message": "all done"] : ["question": "what now?"]
      } else if members["environment"] != nil {
        members["environment"] = members["environment"] == "staging" ? "production" : "staging"
      } else if members["tag"] != nil || members["message"] != nil {
        members[members["tag"] != nil ? "tag" : "message"] = "v0.0.1"
      } else {
        name = "check_deployment_status"
        members = ["service": "backend", "environment": "staging"]
      }
    }
    members["intent"] = .string(name)
    return .object(members)
  }

  /// An OpenAI Chat Completions body calling `next_step` with `arguments`.
  static func response(_ arguments: JSONValue, number: Int) -> JSONValue {
    [
      "id": .string("chatcmpl-\(number)"), "object": "chat.completion", "created": 1_763_632_800,
      "model": "smollm2-135m-instruct",
      "choices": [
        [
          "index": 0, "finish_reason": "tool_calls",
          "message": [
            "role": "assistant", "content": .null,
            "tool_calls": [
              [
                "id": .string("call_\(number)"), "type": "function",
                "function": [
                  "name": "next_step", "arguments": .string(arguments.canonicalString),
                ],
              ]
            ],
          ],
        ]
      ],
      "usage": ["prompt_tokens": 1000, "completion_tokens": 30, "total_tokens": 1030],
    ]
  }

  /// Runs the evaluation over the cassette at `cassettePath`, writing results to
  /// `resultsPath`, and prints the figures.
  static func measure(decisions: Int, cassettePath: String, resultsPath: String, phases: Bool)
    async throws
  {
    let spec = try loadSpec()
    let threads = threads(decisions: decisions)
    let size = (try FileManager.default.attributesOfItem(atPath: cassettePath)[.size] as? Int) ?? 0
    let rssBefore = peakRSS()
    let start = now()
    let startCPU = cpuSeconds()
    let cassette = try JSONLCassette(path: cassettePath)
    let opened = now()
    let decider = try ModelDecider(spec: spec, source: RecordedModelSource(cassette: cassette))
    let info = RunInfo(
      id: "bench", suite: "bench", variant: "baseline", modes: ["step"],
      modelSource: "recorded", startedAt: "2026-11-20T10:00:00Z",
      finishedAt: "2026-11-20T10:00:00Z", toolVersion: "bench")
    let writer = try ResultsWriter(path: resultsPath, run: info)
    let evaluator = Evaluator(
      spec: spec, decider: decider,
      options: .init(modes: [.step], concurrency: 4, keepsCases: false))
    let outcome = try await evaluator.run(threads: threads, info: info) { try writer.append($0) }
    try writer.finish(summary: outcome.results.summary, byIntent: outcome.results.byIntent)
    let elapsed = now() - start
    let elapsedCPU = cpuSeconds() - startCPU
    let summary = outcome.results.summary
    let total = writer.caseCount
    print(
      "eval: \(format(Double(total))) decisions in \(format(Double(threads.count))) threads "
        + "(cassette \(String(format: "%.1f", Double(size) / 1024 / 1024)) MiB); "
        + "cases passed \(summary.casePassRate.passed)/\(summary.casePassRate.total), "
        + "source failures \(outcome.sourceFailures.count)")
    print(
      "eval: \(String(format: "%.3f", elapsed)) s "
        + "(cassette open \(String(format: "%.3f", opened - start)) s): "
        + "\(format(Double(total) / elapsed)) decisions/s; "
        + "\(format(Double(total) / elapsedCPU)) decisions per CPU second")
    print(
      "eval: peak RSS \(String(format: "%.1f", peakRSS())) MiB "
        + "(\(String(format: "%.1f", rssBefore)) MiB before the run)")
    if phases { try await measurePhases(spec: spec, threads: threads, cassette: cassette) }
  }

  /// Times each stage of a decision separately, over every decision, one after another.
  static func measurePhases(spec: AgentSpec, threads: [[Event]], cassette: JSONLCassette)
    async throws
  {
    let builder = try RequestBuilder(spec: spec)
    let decoder = ResponseDecoder(spec: spec)
    let reducer = spec.reducer
    let step = StepReplay(
      reducer: reducer,
      decider: try ModelDecider(spec: spec, source: RecordedModelSource(cassette: cassette)))
    var golden = 0.0
    var context = 0.0
    var render = 0.0
    var hash = 0.0
    var lookup = 0.0
    var decode = 0.0
    var score = 0.0
    var encode = 0.0
    let phasesPath = NSTemporaryDirectory() + "refold-bench-phases-\(getpid())/results.json"
    defer {
      try? FileManager.default.removeItem(
        atPath: (phasesPath as NSString).deletingLastPathComponent)
    }
    let writer = try ResultsWriter(
      path: phasesPath,
      run: RunInfo(
        id: "phases", suite: "bench", variant: "baseline", modes: ["step"],
        modelSource: "recorded", startedAt: "2026-11-20T10:00:00Z",
        finishedAt: "2026-11-20T10:00:00Z", toolVersion: "bench"))
    let options = ContextFormat.Options(
      vocabulary: spec.vocabulary, hidesResolvedErrors: spec.hidesResolvedErrors)
    for events in threads {
      var mark = now()
      let thread = GoldenThread(events: events, reducer: reducer)
      golden += now() - mark
      for point in thread.decisions {
        mark = now()
        _ = ContextFormat.render(
          Array(events[..<point.eventIndex]), as: spec.contextFormat, options: options)
        context += now() - mark
        mark = now()
        let request = try builder.request(
          thread: thread.id, events: Array(events[..<point.eventIndex]))
        render += now() - mark
        mark = now()
        _ = CassetteKey.key(for: request.body)
        hash += now() - mark
        mark = now()
        let recorded = try cassette.answers(forKey: request.key)
        lookup += now() - mark
        mark = now()
        let outcome = decoder.decode(recorded.first?.response ?? .null)
        decode += now() - mark
        mark = now()
        let result = step.score(
          Decision(outcome: outcome, exchangeKey: request.key), at: point, in: thread,
          override: nil)
        score += now() - mark
        mark = now()
        try writer.append(result)
        encode += now() - mark
      }
    }
    let finishing = now()
    try writer.finish(summary: Scorer().summary, byIntent: Scorer().breakdown)
    encode += now() - finishing
    let written = (try FileManager.default.attributesOfItem(atPath: phasesPath)[.size] as? Int) ?? 0
    func line(_ name: String, _ seconds: Double) {
      print("phase: \(name) \(String(format: "%.3f", seconds)) s")
    }
    line("golden threads (decision points)", golden)
    line("render context alone", context)
    line("render + build request (includes context and key hash)", render)
    line("key hash alone, from the body (again)", hash)
    line("cassette lookup (read + parse line but the request)", lookup)
    line("decode response", decode)
    line("score", score)
    line("write case (\(format(Double(written))) bytes)", encode)
  }
}

/// Deploy-bot threads for the eval benchmark: a Slack request, tags listed, a deploy with
/// its approval and result, a status check, sometimes smoke tests, then done.
struct EvalThreads {
  private var random: SplitMix64
  private var number = 0

  init(seed: UInt64) { random = SplitMix64(seed: seed) }

  private mutating func pick<T>(_ options: [T]) -> T {
    options[Int(random.next() % UInt64(options.count))]
  }

  /// The next thread and its decision count (at most `maxDecisions`, at least 1).
  mutating func nextThread(maxDecisions: Int) -> (events: [Event], decisions: Int) {
    number += 1
    let thread = "bench-\(number)"
    var events: [Event] = []
    var decisions = 0
    func add(_ type: String, _ data: JSONValue) {
      let minute = events.count
      let at = "2026-11-20T\(10 + minute / 60):\(minute % 60 < 10 ? "0" : "")\(minute % 60):00Z"
      events.append(Event(thread: thread, seq: events.count, type: type, data: data, at: at))
    }
    let major = 1 + random.next() % 3
    let minor = random.next() % 10
    let patch = random.next() % 10
    let tags: [JSONValue] = (0..<4).map { .string("v\(major).\(minor).\(patch + 3 - UInt64($0))") }
    let environment: JSONValue = pick(["staging", "production"])
    let tag = pick(tags)
    let who = pick(["@alex", "@sam", "@kim", "@lee"])
    add(
      "slack_message",
      [
        "from": .string(who), "channel": "#deploys",
        "text": .string(
          "\(pick(["please ship", "can you deploy", "roll out"])) \(tag.stringValue ?? "") "
            + "of the backend to \(environment.stringValue ?? "") (ticket OPS-\(number))"),
      ])
    let smoke = random.next() % 2 == 0
    let planned = smoke ? 5 : 4
    func decide(_ type: String, _ data: JSONValue) -> Bool {
      add(type, data)
      decisions += 1
      return decisions < min(planned, maxDecisions)
    }
    guard decide("list_git_tags", [:]) else { return (events, decisions) }
    add("list_git_tags_result", ["tags": .array(tags)])
    guard decide("deploy_backend", ["tag": tag, "environment": environment]) else {
      return (events, decisions)
    }
    add("approval", ["approved": true, "by": .string(pick(["@sam", "@kim"]))])
    add(
      "deploy_backend_result",
      ["status": "ok", "tag": tag, "duration_s": .double(30 + Double(random.next() % 40))])
    guard decide("check_deployment_status", ["service": "backend", "environment": environment])
    else { return (events, decisions) }
    add(
      "check_deployment_status_result",
      ["healthy": true, "replicas": .int(Int64(2 + random.next() % 3)), "tag": tag])
    if smoke {
      guard decide("run_smoke_tests", ["environment": environment, "suite": "api"]) else {
        return (events, decisions)
      }
      add("run_smoke_tests_result", ["passed": .int(Int64(40 + random.next() % 5)), "failed": 0])
    }
    _ = decide(
      "done_for_now",
      .object([
        "message": .string("\(tag.stringValue ?? "") is live on \(environment.stringValue ?? "")")
      ]))
    return (events, decisions)
  }
}
