import RefoldCore
import RefoldShared

/// Closed-loop replay: start from a golden thread's trigger and let the ``AgentLoop`` run the
/// agent, with tools, approvals and human responses served from the recording.
///
/// Approval-kind calls are approved or denied as the golden thread did (with its feedback);
/// a call the golden thread ends waiting on ends the run paused. Human-kind decisions get
/// the golden thread's response when it has one, else the run ends paused. A call the recording cannot answer ends the run as a divergence. The run is then
/// checked against the expected behaviour (``BehaviourExpectation``); with none given and no
/// scripted faults, the run is expected to end as the golden thread ends (`ends_with`).
public struct LoopReplay: Sendable {
  public var reducer: ThreadReducer
  public var decider: any Decider
  public var expectations: Expectations
  public var retention: ContextRetention
  public var clock: AgentLoop.Clock

  public init(
    reducer: ThreadReducer, decider: any Decider, expectations: Expectations = .none,
    retention: ContextRetention = .failing,
    clock: @escaping AgentLoop.Clock = AgentLoop.systemClock
  ) {
    self.reducer = reducer
    self.decider = decider
    self.expectations = expectations
    self.retention = retention
    self.clock = clock
  }

  /// Runs `golden` in closed loop; nil when the thread has no decision to start from.
  public func run(_ golden: GoldenThread) async -> LoopReplayOutcome? {
    guard !golden.decisions.isEmpty else { return nil }
    let expectation = expectations.forThread(golden.id)
    let simulator = ToolSimulator(golden: golden, expectation: expectation, reducer: reducer)
    let loop = AgentLoop(reducer: reducer, decider: decider, tools: simulator, clock: clock)
    var events = golden.trigger
    var decisions: [Decision] = []
    var divergence: Divergence?
    var sourceFailure: String?
    var state = reducer.fold(events)
    // Each pass either ends the run or answers a pause with one event, and the step budget
    // bounds decisions; the limit only guards against a policy with no budget.
    for _ in 0..<10_000 {
      let result: AdvanceResult
      do {
        result = try await loop.advance(thread: golden.id, events: events)
      } catch let interrupted as AgentLoopInterrupted {
        events += interrupted.partial.events
        decisions += interrupted.partial.decisions
        state = interrupted.partial.state
        sourceFailure = String(describing: interrupted.underlying)
        break
      } catch {
        sourceFailure = String(describing: error)
        break
      }
      events += result.events
      decisions += result.decisions
      state = result.state
      var answer: (type: String, data: JSONValue)?
      switch result.stop {
      case .awaitingApproval(let call):
        if let approval = simulator.approval(for: call) {
          answer = ("approval", approval)
        } else if !simulator.endsAwaitingApproval(of: call) {
          let nearest = simulator.nearestApproval(for: call)
          divergence = Divergence(
            step: max(0, state.steps - 1), expected: nearest?.call, actual: call,
            parameterDiff: nearest.map {
              $0.call.name == call.name
                ? ParameterComparison.differences(
                  expected: $0.call.parameters, actual: call.parameters, matchers: $0.matchers)
                : []
            } ?? [])
        }
      case .awaitingHuman(let request):
        if let response = simulator.humanResponse(for: request.name, escalation: false) {
          answer = ("human_response", response)
        }
      case .escalated:
        if let response = simulator.humanResponse(
          for: reducer.policy.escalationIntent, escalation: true)
        {
          answer = ("human_response", response)
        }
      case .runnerFailed:
        divergence = (result.runnerError as? ToolSimulator.Diverged)?.divergence
        if divergence == nil, case .runnerFailed(let call, let message) = result.stop {
          divergence = Divergence(
            step: max(0, state.steps - 1), expected: nil, actual: call,
            parameterDiff: [
              ParameterDifference(
                path: "$", expected: nil, actual: call.parameters, matcher: "runner",
                reason: message)
            ])
        }
      case .done, .stepLimit, .sourceFailed:
        break
      }
      guard let answer else { break }
      let event = Event(
        thread: golden.id, seq: state.nextSeq, type: answer.type, data: answer.data, at: clock())
      events.append(event)
      state = reducer.fold(events)
    }
    let produced = Array(events[golden.trigger.count...])
    return LoopReplayOutcome(
      result: score(
        golden: golden, expectation: expectation, events: events, produced: produced,
        state: state, decisions: decisions, divergence: divergence,
        sourceFailure: sourceFailure),
      sourceFailure: sourceFailure.map { .sourceFailed(thread: golden.id, step: nil, message: $0) })
  }

  private func score(
    golden: GoldenThread, expectation: ThreadExpectation, events: [Event], produced: [Event],
    state: ThreadState, decisions: [Decision], divergence: Divergence?, sourceFailure: String?
  ) -> CaseResult {
    let run = GoldenThread(events: events, reducer: reducer)
    let policy = reducer.policy
    var retries = 0
    var overRetried = false
    var actualEscalationErrors: Int?
    for point in run.decisions {
      guard let failed = point.failedCall else { continue }
      let behaviour = RetryBehaviour.classify(point.intent, kind: point.kind, after: failed)
      if behaviour?.isRetry == true {
        retries += 1
        if policy.reachesCap(failed.consecutiveErrors) { overRetried = true }
      }
      if behaviour == .escalated, actualEscalationErrors == nil {
        actualEscalationErrors = failed.consecutiveErrors
      }
    }
    // Runtime escalations are not decision points; find the first one among the events.
    var replayed = reducer.machine()
    for (index, event) in events.enumerated() {
      if event.isEscalation, index >= golden.trigger.count {
        let errors = replayed.errorStreak
        let firstModel = run.decisions.first { point in
          point.failedCall != nil && point.kind == .human
        }
        if firstModel == nil || (firstModel?.eventIndex ?? 0) > index {
          actualEscalationErrors = errors
        }
        break
      }
      replayed.apply(event)
    }
    let escalated = actualEscalationErrors != nil
    let expectedErrors = expectedEscalationErrors(golden, expectation)
    let timing: EscalationTiming?
    switch (expectedErrors, actualEscalationErrors) {
    case (nil, nil): timing = nil
    case (nil, .some): timing = .early
    case (.some, nil): timing = .never
    case (.some(let expected), .some(let actual)):
      timing = actual < expected ? .early : actual == expected ? .onTime : .late
    }
    let lastIntent = run.decisions.last?.intent
    let terminal = state.status == .done ? lastIntent?.name : nil
    let checks = behaviourChecks(
      golden: golden, expectation: expectation, state: state, lastIntent: lastIntent?.name,
      retries: retries, escalated: escalated)
    let verdict: CaseResult.Verdict
    if sourceFailure != nil {
      verdict = .sourceError
    } else if divergence != nil {
      verdict = .diverged
    } else if checks.contains(where: { !$0.passed }) {
      verdict = .behaviourFailed
    } else {
      verdict = .pass
    }
    let behaviour = LoopBehaviour(
      steps: state.steps, finalStatus: state.status, terminalIntent: terminal, retries: retries,
      escalated: escalated, escalationTiming: timing?.rawValue, divergence: divergence,
      checks: checks, events: produced,
      modelCalls: modelCalls(
        events: events, from: golden.trigger.count, decisions: decisions, run: run,
        keepsDetail: retention.keeps(verdict)))
    let usages = decisions.compactMap(\.usage)
    let usage =
      usages.isEmpty
      ? nil
      : TokenUsage(
        inputTokens: usages.reduce(0) { $0 + $1.inputTokens },
        outputTokens: usages.reduce(0) { $0 + $1.outputTokens })
    let latencies = decisions.compactMap(\.latencyMilliseconds)
    var result = CaseResult(
      id: "\(golden.id)@loop", thread: golden.id, mode: "loop", expected: golden.lastDecision,
      actual: lastIntent, failure: sourceFailure, verdict: verdict,
      parameterDiff: divergence?.parameterDiff.nonEmpty, usage: usage,
      latencyMilliseconds: latencies.isEmpty ? nil : latencies.reduce(0, +),
      behaviour: behaviour)
    if overRetried { result.overRetry = true }
    if retention.keeps(verdict), let last = decisions.last {
      result.context = last.renderedContext
      result.rawResponse = last.rawResponse
    }
    return result
  }

  /// Each model call of the run, paired with the event its answer became: the events a
  /// loop appends when its machine says ``NextStep/decide`` are the decisions' answers, one
  /// each, in order.
  ///
  /// Contexts and raw responses are kept when `keepsDetail`, while they fit
  /// ``LoopModelCall/maxDetailBytes``.
  private func modelCalls(
    events: [Event], from start: Int, decisions: [Decision], run: GoldenThread,
    keepsDetail: Bool
  ) -> [LoopModelCall] {
    var points: [Int: DecisionPoint] = [:]
    for point in run.decisions { points[point.eventIndex] = point }
    var machine = reducer.machine(Array(events[..<start]))
    var calls: [LoopModelCall] = []
    var budget = LoopModelCall.maxDetailBytes
    for index in start..<events.count {
      let event = events[index]
      if event.isEscalation, !calls.isEmpty { calls[calls.count - 1].escalation = true }
      if case .decide = machine.nextStep, calls.count < decisions.count {
        let decision = decisions[calls.count]
        var call = LoopModelCall(
          step: calls.count, seq: event.seq, exchangeKey: decision.exchangeKey,
          usage: decision.usage, latencyMilliseconds: decision.latencyMilliseconds)
        switch decision.outcome {
        case .intent(let intent): call.intent = intent
        case .failure(let message): call.failure = message
        }
        if event.type == "error", call.failure == nil {
          call.failure = event.data["message"]?.stringValue
        }
        if let point = points[index], let failed = point.failedCall,
          let behaviour = RetryBehaviour.classify(point.intent, kind: point.kind, after: failed)
        {
          call.retryBehaviour = behaviour.rawValue
          if behaviour == .escalated { call.escalation = true }
          if behaviour.isRetry, reducer.policy.reachesCap(failed.consecutiveErrors) {
            call.overRetry = true
          }
        }
        if keepsDetail, decision.renderedContext != nil || decision.rawResponse != nil {
          let size =
            (decision.renderedContext?.utf8.count ?? 0)
            + (decision.rawResponse?.canonicalString.utf8.count ?? 0)
          if size <= budget {
            budget -= size
            call.context = decision.renderedContext
            call.rawResponse = decision.rawResponse
          } else {
            call.omitted = true
          }
        }
        calls.append(call)
      }
      machine.apply(event)
    }
    return calls
  }

  /// The consecutive errors at which an escalation is expected, or nil when none is.
  private func expectedEscalationErrors(_ golden: GoldenThread, _ expectation: ThreadExpectation)
    -> Int?
  {
    if expectation.behaviour.escalates == false { return nil }
    var machine = reducer.machine()
    for (index, event) in golden.events.enumerated() {
      if event.isEscalation { return machine.errorStreak }
      if let point = golden.decisions.first(where: { $0.eventIndex == index }),
        let failed = point.failedCall, point.kind == .human
      {
        return failed.consecutiveErrors
      }
      machine.apply(event)
    }
    return expectation.behaviour.escalates == true ? reducer.policy.errorCap : nil
  }

  private func behaviourChecks(
    golden: GoldenThread, expectation: ThreadExpectation, state: ThreadState,
    lastIntent: String?, retries: Int, escalated: Bool
  ) -> [BehaviourCheck] {
    var wanted = expectation.behaviour
    if wanted.isEmpty, expectation.faults.isEmpty {
      wanted.endsWith =
        golden.finalState.status == .done
        ? golden.lastDecision?.name : golden.finalState.status.rawValue
    }
    var checks: [BehaviourCheck] = []
    if let limit = wanted.retriesAtMost {
      checks.append(
        BehaviourCheck(
          name: "retries_at_most", passed: retries <= limit,
          detail: "\(retries) retries, at most \(limit) expected"))
    }
    if let expected = wanted.escalates {
      checks.append(
        BehaviourCheck(
          name: "escalates", passed: escalated == expected,
          detail: escalated ? "the run escalated" : "the run did not escalate"))
    }
    if let ending = wanted.endsWith {
      let statuses = Set(ThreadState.Status.allCases.map(\.rawValue))
      let actual = statuses.contains(ending) ? state.status.rawValue : (lastIntent ?? "(none)")
      checks.append(
        BehaviourCheck(
          name: "ends_with", passed: actual == ending,
          detail: "ended with \(actual) (status \(state.status.rawValue)), expected \(ending)"))
    }
    if let limit = wanted.maxSteps {
      checks.append(
        BehaviourCheck(
          name: "max_steps", passed: state.steps <= limit,
          detail: "\(state.steps) decisions, at most \(limit) expected"))
    }
    return checks
  }
}

/// The case of one loop run, and its source failure if the model source failed.
public struct LoopReplayOutcome: Sendable, Hashable {
  public var result: CaseResult
  public var sourceFailure: SuiteError?
}
