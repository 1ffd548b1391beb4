import Foundation
import RefoldCore
import RefoldShared

/// Generates realistic deploy-bot evaluation runs for report tests.
///
/// Golden threads follow the deploy-bot domain (list tags, deploy with approval, smoke tests,
/// rollback, clarification, escalation after three errors); each run scores every decision
/// with a seeded error model, so two variants of the same seed share their cases.
struct DeployBotRuns {
  static let intents = [
    "list_git_tags", "deploy_backend", "deploy_frontend", "rollback_backend",
    "check_deployment_status", "run_smoke_tests", "request_clarification",
    "request_human_input", "done_for_now",
  ]

  static let hostile = [
    "<script>alert(1)</script>",
    "\"><img src=x onerror=\"document.body.appendChild(document.createElement('b')).id='pwned'\">",
    "</script><script>document.title='PWNED'</script>",
    "<!-- open comment <script>",
    "\u{2028}line separator\u{2029} & ampersand",
    "control \u{01}\u{1B}[31m chars \u{FFFE}",
  ]

  /// The golden threads of the suite: `count` threads, each with its decision seqs.
  static func threads(count: Int, hostile: Bool = false, seed: UInt64 = 7) -> [[Event]] {
    var generator = SplitMix64(seed: seed)
    return (0..<count).map { index in
      thread(index: index, hostile: hostile, generator: &generator)
    }
  }

  static func thread(index: Int, hostile: Bool, generator: inout SplitMix64) -> [Event] {
    var name = String(format: "deploy-%05d", index)
    if hostile && index == 1 { name += DeployBotRuns.hostile[1] }
    var events: [Event] = []
    func add(_ type: String, _ data: JSONValue, at: String? = nil, meta: JSONValue? = nil) {
      events.append(
        Event(thread: name, seq: events.count, type: type, data: data, at: at, meta: meta))
    }
    let environment: JSONValue = index % 3 == 0 ? "staging" : "production"
    let service = index % 2 == 0 ? "backend" : "frontend"
    let tags: [JSONValue] = [.string("v1.4.\(index % 10)"), "v1.3.2", "v1.3.1"]
    let tag = tags[0]
    var text = "ship latest \(service) to \(environment.stringValue ?? "")"
    if hostile, index < DeployBotRuns.hostile.count {
      text += " " + DeployBotRuns.hostile[index]
    }
    let minute = String(format: "%02d", index % 60)
    add(
      "slack_message", ["from": "@alex", "channel": "#deploys", "text": .string(text)],
      at: "2026-11-20T10:\(minute):00Z")
    switch index % 5 {
    case 0, 1:
      // The happy path: tags, deploy with approval, smoke tests, done.
      add("list_git_tags", [:])
      add("list_git_tags_result", ["tags": .array(tags)])
      add("deploy_\(service)", ["tag": tag, "environment": environment])
      add("approval", ["approved": true, "by": "@sam"])
      add(
        "deploy_\(service)_result",
        ["status": "ok", "url": .string("https://example.test/\(index)")])
      add("run_smoke_tests", ["environment": environment, "suite": "api"])
      add("run_smoke_tests_result", ["passed": 42, "failed": 0])
      add(
        "done_for_now",
        [
          "message": .string(
            "Deployed \(tag.stringValue ?? "") to \(environment.stringValue ?? "").")
        ])
    case 2:
      // Rejected then corrected, then a status check.
      add("list_git_tags", [:])
      add("list_git_tags_result", ["tags": .array(tags)])
      add("deploy_backend", ["tag": tags[1], "environment": environment])
      add("approval", ["approved": false, "by": "@sam", "feedback": "use the newest tag"])
      add("deploy_backend", ["tag": tag, "environment": environment])
      add("approval", ["approved": true, "by": "@sam"])
      add("deploy_backend_result", ["status": "ok"])
      add("check_deployment_status", ["service": "backend", "environment": environment])
      add("check_deployment_status_result", ["healthy": true])
      add("done_for_now", ["message": .string("Backend healthy on \(tag.stringValue ?? "").")])
    case 3:
      // Errors, a corrected retry, then escalation after the cap.
      add("list_git_tags", [:])
      add("error", ["intent": "list_git_tags", "message": "connection refused"])
      add("list_git_tags", [:])
      add("error", ["intent": "list_git_tags", "message": "connection refused"])
      add("list_git_tags", [:])
      add("error", ["intent": "list_git_tags", "message": "connection refused"])
      add(
        "request_human_input",
        ["question": "git is unreachable after 3 attempts; what now?", "urgency": "high"],
        meta: ["escalation": true])
      add("human_response", ["from": "@sam", "text": "roll back the backend to v1.3.2"])
      add("rollback_backend", ["environment": environment, "to_tag": "v1.3.2"])
      add("approval", ["approved": true, "by": "@sam"])
      add("rollback_backend_result", ["status": "ok"])
      add("done_for_now", ["message": "Rolled back to v1.3.2."])
    default:
      // An ambiguous request: clarification first.
      add("request_clarification", ["question": "Which environment: staging or production?"])
      add("human_response", ["from": "@alex", "text": "staging please"])
      add("deploy_frontend", ["tag": tag, "environment": "staging"])
      add("approval", ["approved": true, "by": "@sam"])
      add("deploy_frontend_result", ["status": "ok"])
      add("done_for_now", ["message": .string("Frontend \(tag.stringValue ?? "") is on staging.")])
    }
    _ = generator.next()
    return events
  }

  /// Whether an event is a decision (an intent of the deploy-bot spec).
  static func isDecision(_ event: Event) -> Bool { intents.contains(event.type) }

  /// A scored run over `threads`: `errorRate` of decisions go wrong (intent or parameters),
  /// with `loopRuns` closed-loop cases added.
  static func run(
    id: String, variant: String = "baseline", threads: [[Event]], errorRate: Double,
    seed: UInt64, loopRuns: Int = 0, includeThreads: Bool = true,
    contextForPassing: Bool = false, startedAt: String = "2026-11-20T12:00:00Z",
    thresholds: [String: Double]? = ["min_accuracy": 0.85, "min_case_pass_rate": 0.8]
  ) -> RunResults {
    var generator = SplitMix64(seed: seed)
    func chance() -> Double { Double(generator.next() >> 11) / Double(1 << 53) }
    var cases: [CaseResult] = []
    for events in threads {
      var step = 0
      for (position, event) in events.enumerated() where isDecision(event) {
        let expected = Intent(name: event.type, parameters: event.data)
        let afterError = position > 0 && events[position - 1].type == "error"
        var actual = expected
        var verdict = CaseResult.Verdict.pass
        var diff: [ParameterDifference]? = nil
        var failure: String? = nil
        let roll = chance()
        if roll < errorRate * 0.45 {
          let others = intents.filter { $0 != expected.name }
          actual = Intent(
            name: others[Int(generator.next() % UInt64(others.count))],
            parameters: ["environment": "production"])
          verdict = .wrongIntent
        } else if roll < errorRate * 0.9, case .object(var parameters) = expected.parameters,
          let key = parameters.keys.sorted().first
        {
          let wrong: JSONValue = key == "environment" ? "production-eu" : "v0.0.0-wrong"
          diff = [
            ParameterDifference(
              path: key, expected: parameters[key], actual: wrong, matcher: "exact",
              reason:
                "expected \(parameters[key]?.canonicalString ?? "nothing"), got \(wrong.canonicalString)"
            )
          ]
          parameters[key] = wrong
          actual = Intent(name: expected.name, parameters: .object(parameters))
          verdict = .wrongParameters
        } else if roll < errorRate {
          actual = Intent(name: "", parameters: .null)
          failure = "the response had no tool call and its content was not JSON"
          verdict = .invalidOutput
        }
        let passed = verdict == .pass
        let context =
          passed && !contextForPassing
          ? nil
          : renderContext(events: Array(events[..<position]))
        let raw: JSONValue? =
          passed && !contextForPassing
          ? nil
          : [
            "id": .string("chatcmpl-\(cases.count)"),
            "choices": [
              [
                "message": [
                  "role": "assistant",
                  "content": .string(failure == nil ? "" : "I think we should <deploy> now"),
                  "tool_calls": verdict == .invalidOutput
                    ? []
                    : [
                      [
                        "function": [
                          "name": .string(actual.name),
                          "arguments": .string(actual.parameters.canonicalString),
                        ]
                      ]
                    ],
                ]
              ]
            ],
          ]
        cases.append(
          CaseResult(
            id: "\(event.thread)#\(step)", thread: event.thread, mode: "step", step: step,
            seq: event.seq, expected: expected, accepted: nil,
            actual: verdict == .invalidOutput ? nil : actual, failure: failure,
            verdict: verdict, parameterDiff: diff,
            retryBehaviour: afterError ? (passed ? "identical_retry" : "gave_up") : nil,
            expectedRetryBehaviour: afterError
              ? (event.isEscalation ? "escalated" : "identical_retry") : nil,
            exchangeKey: String(format: "%016llx%016llx", generator.next(), generator.next()),
            usage: TokenUsage(
              inputTokens: 800 + position * 40 + Int(generator.next() % 50),
              outputTokens: 20 + Int(generator.next() % 30)),
            latencyMilliseconds: Double(300 + generator.next() % 900),
            context: context, rawResponse: raw))
        step += 1
      }
    }
    for index in 0..<min(loopRuns, threads.count) {
      let events = threads[index]
      let diverged = chance() < errorRate
      let failedCheck = !diverged && chance() < errorRate
      let steps = events.filter(isDecision).count
      let behaviour = LoopBehaviour(
        steps: steps, finalStatus: diverged ? .running : (failedCheck ? .stepLimit : .done),
        terminalIntent: diverged ? nil : "done_for_now", retries: failedCheck ? 4 : 1,
        escalated: events.contains { $0.isEscalation },
        escalationTiming: events.contains { $0.isEscalation }
          ? (failedCheck ? "late" : "on_time") : nil,
        divergence: diverged
          ? Divergence(
            step: 2, expected: Intent(name: "deploy_backend", parameters: ["tag": "v1.4.0"]),
            actual: Intent(name: "deploy_backend", parameters: ["tag": "latest"]),
            parameterDiff: [
              ParameterDifference(
                path: "tag", expected: "v1.4.0", actual: "latest", matcher: "exact",
                reason: "no recorded result for this call")
            ]) : nil,
        checks: [
          BehaviourCheck(
            name: "retries_at_most", passed: !failedCheck,
            detail: failedCheck ? "4 retries, at most 3 allowed" : "1 retry"),
          BehaviourCheck(name: "ends_with", passed: !diverged, detail: "done_for_now"),
        ],
        events: Array(events.prefix(diverged ? 4 : events.count)),
        modelCalls: modelCalls(
          Array(events.prefix(diverged ? 4 : events.count)), detailed: diverged || failedCheck))
      cases.append(
        CaseResult(
          id: "\(events[0].thread)@loop", thread: events[0].thread, mode: "loop",
          verdict: diverged ? .diverged : (failedCheck ? .behaviourFailed : .pass),
          behaviour: behaviour))
    }
    var threadMap: [String: [Event]] = [:]
    if includeThreads {
      for events in threads { threadMap[events[0].thread] = events }
    }
    return RunResults(
      run: RunInfo(
        id: id, suite: "deploy-bot", variant: variant,
        modes: loopRuns > 0 ? ["step", "loop"] : ["step"], modelSource: "recorded",
        model: "gpt-4o-mini", startedAt: startedAt, finishedAt: startedAt,
        gitCommit: "3f2c1d0", toolVersion: "0.1.0", thresholds: thresholds),
      summary: summarize(cases, loopRuns: loopRuns), byIntent: breakdown(cases), cases: cases,
      threads: includeThreads ? threadMap : nil)
  }

  /// A loop run's model calls: one per decision event, with the context before it, a raw
  /// answer carrying a hostile string, and the retry and escalation marks.
  static func modelCalls(_ events: [Event], detailed: Bool) -> [LoopModelCall] {
    var calls: [LoopModelCall] = []
    for (position, event) in events.enumerated() where isDecision(event) && !event.isEscalation {
      let afterError = position > 0 && events[position - 1].type == "error"
      let escalates = events.dropFirst(position + 1).prefix { !isDecision($0) }
        .contains { $0.isEscalation }
      calls.append(
        LoopModelCall(
          step: calls.count, seq: event.seq,
          intent: Intent(name: event.type, parameters: event.data),
          retryBehaviour: afterError ? "identical_retry" : nil,
          escalation: escalates ? true : nil,
          context: detailed ? renderContext(events: Array(events[..<position])) : nil,
          rawResponse: detailed
            ? [
              "content": .string(hostile[calls.count % hostile.count]),
              "call": .int(Int64(calls.count)),
            ]
            : nil))
    }
    return calls
  }

  static func renderContext(events: [Event]) -> String {
    events.map { event in
      "<\(event.type)>\n\(event.data.canonicalString)\n</\(event.type)>"
    }.joined(separator: "\n")
  }

  static func intentRight(_ result: CaseResult) -> Bool {
    result.verdict == .pass || result.verdict == .wrongParameters
  }

  static func summarize(_ cases: [CaseResult], loopRuns: Int) -> RunSummary {
    let steps = cases.filter { $0.mode == "step" }
    let intentRight = steps.filter(intentRight)
    let afterError = steps.filter { $0.expectedRetryBehaviour != nil }
    let loops = cases.filter { $0.mode == "loop" }
    let input = steps.compactMap(\.usage).reduce(0) { $0 + $1.inputTokens }
    let output = steps.compactMap(\.usage).reduce(0) { $0 + $1.outputTokens }
    return RunSummary(
      decisions: steps.count,
      intentAccuracy: Statistics.wilson(passed: intentRight.count, total: steps.count),
      parameterAccuracy: Statistics.wilson(
        passed: intentRight.filter(\.passed).count, total: intentRight.count),
      casePassRate: Statistics.wilson(passed: cases.filter(\.passed).count, total: cases.count),
      retry: RetrySummary(
        afterError: afterError.count,
        correctedRetry: afterError.filter { $0.retryBehaviour == "corrected_retry" }.count,
        identicalRetry: afterError.filter { $0.retryBehaviour == "identical_retry" }.count,
        gaveUp: afterError.filter { $0.retryBehaviour == "gave_up" }.count,
        escalated: afterError.filter { $0.retryBehaviour == "escalated" }.count,
        overRetries: 0,
        expectedBehaviour: Statistics.wilson(
          passed: afterError.filter { $0.retryBehaviour == $0.expectedRetryBehaviour }.count,
          total: afterError.count)),
      escalation: EscalationSummary(
        onTime: loops.filter { $0.behaviour?.escalationTiming == "on_time" }.count, early: 0,
        late: loops.filter { $0.behaviour?.escalationTiming == "late" }.count, never: 0,
        onTimeRate: Statistics.wilson(
          passed: loops.filter { $0.behaviour?.escalationTiming == "on_time" }.count,
          total: loops.filter { $0.behaviour?.escalationTiming != nil }.count)),
      loop: loopRuns > 0
        ? LoopSummary(
          runs: loops.count,
          passRate: Statistics.wilson(passed: loops.filter(\.passed).count, total: loops.count),
          divergences: loops.filter { $0.verdict == .diverged }.count,
          meanSteps: loops.isEmpty
            ? nil : Double(loops.compactMap(\.behaviour?.steps).reduce(0, +)) / Double(loops.count))
        : nil,
      tokens: TokenSummary(
        input: input, output: output, decisionsWithUsage: steps.count,
        perDecision: steps.isEmpty ? nil : Double(input + output) / Double(steps.count)),
      sourceErrors: cases.filter { $0.verdict == .sourceError }.count)
  }

  static func breakdown(_ cases: [CaseResult]) -> IntentBreakdown {
    let steps = cases.filter { $0.mode == "step" }
    let labels = intents + ["(failure)"]
    var matrix = Array(repeating: Array(repeating: 0, count: labels.count), count: labels.count)
    for result in steps {
      guard let expected = result.expected, let row = labels.firstIndex(of: expected.name) else {
        continue
      }
      let column = result.actual.flatMap { labels.firstIndex(of: $0.name) } ?? labels.count - 1
      matrix[row][column] += 1
    }
    var scores: [String: IntentScore] = [:]
    for (index, name) in intents.enumerated() {
      let support = matrix[index].reduce(0, +)
      let predicted = matrix.reduce(0) { $0 + $1[index] }
      let truePositives = matrix[index][index]
      scores[name] = IntentScore(
        support: support, predicted: predicted, truePositives: truePositives,
        precision: predicted == 0 ? nil : Double(truePositives) / Double(predicted),
        recall: support == 0 ? nil : Double(truePositives) / Double(support))
    }
    return IntentBreakdown(labels: labels, matrix: matrix, intents: scores)
  }

  /// A history of earlier runs for trend charts: `count` runs per variant, improving.
  static func history(variants: [String], count: Int) -> [RunRecord] {
    var records: [RunRecord] = []
    for index in 0..<count {
      for (offset, variant) in variants.enumerated() {
        let total = 120
        let passed = min(total, 70 + index * 4 + offset * 6)
        let summary = RunSummary(
          decisions: total,
          intentAccuracy: Statistics.wilson(passed: min(total, passed + 10), total: total),
          parameterAccuracy: Statistics.wilson(passed: min(total, passed + 5), total: total),
          casePassRate: Statistics.wilson(passed: passed, total: total),
          retry: RetrySummary(
            afterError: 0, correctedRetry: 0, identicalRetry: 0, gaveUp: 0, escalated: 0,
            overRetries: 0, expectedBehaviour: Statistics.wilson(passed: 0, total: 0)),
          escalation: EscalationSummary(
            onTime: 0, early: 0, late: 0, never: 0,
            onTimeRate: Statistics.wilson(passed: 0, total: 0)))
        let day = String(format: "%02d", 1 + index)
        records.append(
          RunRecord(
            info: RunInfo(
              id: "run-\(index)-\(variant)", suite: "deploy-bot", variant: variant,
              modes: ["step"], modelSource: "recorded", startedAt: "2026-11-\(day)T09:00:00Z",
              finishedAt: "2026-11-\(day)T09:05:00Z", toolVersion: "0.1.0"),
            summary: summary))
      }
    }
    return records
  }
}
