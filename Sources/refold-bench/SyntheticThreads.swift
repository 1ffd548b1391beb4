import RefoldCore
import RefoldShared

/// Deploy-bot threads for benchmarks, deterministic for a seed.
///
/// Each thread mixes inputs, sync and approval decisions, results, tool errors with retries
/// and escalations, human turns, and a terminal decision, in realistic proportions.
struct SyntheticThreads {
  private var random: SplitMix64
  private var threadNumber = 0

  init(seed: UInt64) {
    random = SplitMix64(seed: seed)
  }

  private mutating func pick<T>(_ options: [T]) -> T {
    options[Int(random.next() % UInt64(options.count))]
  }

  private mutating func chance(_ percent: UInt64) -> Bool { random.next() % 100 < percent }

  /// The next thread's events, `seq` from 0.
  mutating func nextThread() -> [Event] {
    threadNumber += 1
    let thread = "deploy-\(threadNumber)"
    var events: [Event] = []
    var minute = 0
    func add(_ type: String, _ data: JSONValue, meta: JSONValue? = nil) {
      minute += 1
      let at = "2026-11-20T\(10 + (minute / 60) % 12):\(pad(minute % 60)):00Z"
      events.append(
        Event(thread: thread, seq: events.count, type: type, data: data, at: at, meta: meta))
    }
    let tags: [JSONValue] = ["v1.4.2", "v1.4.1", "v1.4.0", "v1.3.9"]
    let environment: JSONValue = pick(["staging", "production"])
    let service = pick(["backend", "frontend"])
    add(
      "slack_message",
      [
        "from": pick(["@alex", "@sam", "@kim"]), "channel": "#deploys",
        "text": .string("ship the latest \(service) to \(environment.stringValue ?? "")"),
      ])
    add("list_git_tags", [:], meta: ["exchange": .string("sha256:\(random.next())")])
    add("list_git_tags_result", ["tags": .array(tags)])
    let rounds = 1 + Int(random.next() % 4)
    for _ in 0..<rounds {
      let tag = pick(tags)
      add("deploy_\(service)", ["tag": tag, "environment": environment])
      if chance(15) {
        add("approval", ["approved": false, "by": "@sam", "feedback": "staging first"])
        continue
      }
      add("approval", ["approved": true, "by": "@sam"])
      var errors = 0
      while chance(25), errors < 3 {
        errors += 1
        add(
          "error",
          [
            "intent": .string("deploy_\(service)"),
            "message": .string("connection refused (attempt \(errors))"),
          ])
        if errors < 3 { add("deploy_\(service)", ["tag": tag, "environment": environment]) }
      }
      if errors == 3 {
        add(
          "request_human_input", ["question": "deploys keep failing", "urgency": "high"],
          meta: ["escalation": true])
        add("human_response", ["from": "@alex", "text": "try again now"])
        add("deploy_\(service)", ["tag": tag, "environment": environment])
      }
      add("deploy_\(service)_result", ["status": "ok", "tag": tag, "duration_s": 41.5])
      add("check_deployment_status", ["service": .string(service), "environment": environment])
      add("check_deployment_status_result", ["healthy": true, "replicas": 3])
      add("run_smoke_tests", ["environment": environment, "suite": "api"])
      add("run_smoke_tests_result", ["passed": 42, "failed": 0])
    }
    add("done_for_now", ["message": "deployed and smoke-tested"])
    return events
  }

  private func pad(_ value: Int) -> String { value < 10 ? "0\(value)" : String(value) }
}
