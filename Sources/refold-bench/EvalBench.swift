import Foundation
import RefoldCore
import RefoldEval
import RefoldModels
import RefoldShared
import Synchronization

/// The synthetic deploy-bot threads and recorded answers the `eval` and `agent` benchmarks
/// replay.
enum EvalBench {
  /// The path of `relative` in the repository, found from the current directory upwards.
  static func repositoryPath(_ relative: String) throws -> String {
    var directory = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    while true {
      let candidate = directory.appendingPathComponent(relative).path
      if FileManager.default.fileExists(atPath: candidate) { return candidate }
      let parent = directory.deletingLastPathComponent()
      if parent.path == directory.path {
        throw SuiteError.unreadable(
          file: relative, message: "not found from the current directory up")
      }
      directory = parent
    }
  }

  /// The deploy-bot spec of the repository (`evals/deploybot/agent.yaml`), found from the
  /// current directory upwards.
  static func loadSpec() throws -> AgentSpec {
    try AgentSpecLoader().load(path: try repositoryPath("evals/deploybot/agent.yaml"))
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
