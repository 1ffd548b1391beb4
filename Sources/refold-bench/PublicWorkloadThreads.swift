import RefoldCore
import RefoldShared

/// Golden threads in the shape of a converted public agent-eval workload: independent
/// decision points, one golden thread each, every thread 4–12 prior events (requests,
/// tool outputs, human answers) and the one decision to score, about 2.4 KB of JSONL.
///
/// Deterministic for a seed; the deploy-bot vocabulary, so the suite's real agent spec
/// renders and decodes them.
struct PublicWorkloadThreads {
  private var random: SplitMix64
  private var number = 0

  init(seed: UInt64) { random = SplitMix64(seed: seed) }

  private mutating func pick<T>(_ options: [T]) -> T {
    options[Int(random.next() % UInt64(options.count))]
  }

  /// The next thread: its prior events, then the golden decision as its last event.
  mutating func nextThread() -> [Event] {
    number += 1
    let thread = "case-\(String(number + 1_000_000).dropFirst())"
    var events: [Event] = []
    func add(_ type: String, _ data: JSONValue) {
      let second = events.count * 7
      let at = "2026-11-20T10:\(pad(second / 60 % 60)):\(pad(second % 60))Z"
      events.append(Event(thread: thread, seq: events.count, type: type, data: data, at: at))
    }
    let major = 1 + random.next() % 3
    let minor = random.next() % 10
    let tags: [JSONValue] = (0..<8).map {
      .string("v\(major).\(minor).\(9 - UInt64($0))")
    }
    let environment: JSONValue = pick(["staging", "production"])
    let service: JSONValue = pick(["backend", "frontend"])
    let who: JSONValue = pick(["@alex", "@sam", "@kim", "@lee", "@priya"])
    let tag = pick(tags)
    let ticket = "OPS-\(4000 + number % 5000)"
    add(
      "slack_message",
      [
        "from": who, "channel": "#deploys",
        "text": .string(
          "\(pick(["please ship", "can you deploy", "roll out", "we need"])) "
            + "\(tag.stringValue ?? "") of the \(service.stringValue ?? "") to "
            + "\(environment.stringValue ?? ""); the change is tracked in \(ticket) and was "
            + "reviewed yesterday, so once the checks are green it can go out; ping "
            + "#releases when it is done and keep the canary at the usual share"),
        "thread_ts": .string("1794849645.\(100_000 + number)"),
      ])
    let prior = 3 + Int(random.next() % 9)
    for index in 0..<prior {
      switch (index + Int(random.next() % 4)) % 4 {
      case 0:
        add(
          "list_git_tags_result",
          [
            "tags": .array(tags), "repository": "deploybot/backend",
            "fetched_from": "git@github.com:deploybot/backend.git",
          ])
      case 1:
        add(
          "check_deployment_status_result",
          [
            "service": service, "environment": environment, "healthy": .bool(index % 3 != 0),
            "replicas": .int(Int64(2 + random.next() % 4)), "tag": pick(tags),
            "checked_at": "2026-11-20T10:00:00Z", "region": pick(["eu-west-1", "us-east-1"]),
          ])
      case 2:
        add(
          "human_response",
          [
            "from": who,
            "text": .string(
              pick([
                "yes, go ahead with that one", "staging first please, then production",
                "hold on, the release notes are not out yet", "that tag is fine",
              ]) + " (\(ticket))"),
            "channel": "#deploys", "thread_ts": .string("1794849645.\(100_000 + number)"),
          ])
      default:
        add(
          "run_smoke_tests_result",
          [
            "environment": environment, "suite": "api",
            "passed": .int(Int64(40 + random.next() % 5)), "failed": .int(Int64(random.next() % 2)),
            "report": .string("https://ci.example.com/smoke/\(number)/\(index)"),
          ])
      }
    }
    switch random.next() % 6 {
    case 0: add("list_git_tags", [:])
    case 1, 2:
      add("deploy_\(service.stringValue ?? "backend")", ["tag": tag, "environment": environment])
    case 3: add("check_deployment_status", ["service": service, "environment": environment])
    case 4: add("run_smoke_tests", ["environment": environment, "suite": "api"])
    default:
      add(
        "done_for_now",
        ["message": .string("\(tag.stringValue ?? "") is live on \(environment.stringValue ?? "")")]
      )
    }
    return events
  }

  private func pad(_ value: Int) -> String { value < 10 ? "0\(value)" : String(value) }
}
