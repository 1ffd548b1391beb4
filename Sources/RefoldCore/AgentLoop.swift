/// The agent runtime: asks a ``Decider`` for the next intent, runs sync tools through a
/// ``ToolRunner``, and appends what happened as events until the thread has to wait or ends.
///
/// The loop owns control flow (factor 8) and nothing else: it keeps no state between calls,
/// so resuming a paused thread is appending an input event (`approval`, `human_response`)
/// and calling ``advance(thread:events:)`` again, in this process or another one.
///
/// ```swift
/// let loop = AgentLoop(spec: spec, decider: decider, tools: tools)
/// let result = try await loop.advance(thread: "deploy-001", events: events)
/// try store.append(result.events.map(EventLine.init), to: "deploy-001",
///                  expectedNextSeq: events.count)
/// ```
///
/// Per decision:
/// - the decision event is appended (type = intent name, data = parameters,
///   `meta.exchange_key` when the decider reports one);
/// - `sync`: the tool runs and `<intent>_result` or `error {intent, message}` follows;
/// - `approval` / `human`: the loop stops, awaiting an approval or a human response;
/// - `terminal`: the loop stops, done.
///
/// Output that is not a valid intent (undecodable, or an intent the vocabulary does not know)
/// becomes `error {message}` (with the exchange key in `meta`) and counts as an error.
///
/// When consecutive errors reach the cap: with ``ControlPolicy/Escalation/deterministic`` the
/// loop appends a `request_human_input` decision with `meta.escalation: true` and stops;
/// with ``ControlPolicy/Escalation/model`` the model is asked once more (it sees the errors
/// and is expected to hand over itself), and only if the errors reach cap + 1 does the loop
/// escalate the same way, with `meta.forced: true`. The grace decision keeps the model in
/// charge of how it hands over (its question, its urgency) while still bounding the damage
/// of a model that ignores the cap to one extra call.
public struct AgentLoop: Sendable {
  /// Produces the `at` timestamp of each appended event; nil leaves `at` out.
  public typealias Clock = @Sendable () -> String?

  public var reducer: ThreadReducer
  public var decider: any Decider
  public var tools: any ToolRunner
  public var clock: Clock

  /// A loop for threads of `spec`'s agent.
  public init(
    spec: AgentSpec, decider: any Decider, tools: any ToolRunner,
    clock: @escaping Clock = AgentLoop.systemClock
  ) {
    self.init(reducer: spec.reducer, decider: decider, tools: tools, clock: clock)
  }

  /// A loop with an explicit vocabulary and policy (threads without an agent spec, tests).
  public init(
    reducer: ThreadReducer, decider: any Decider, tools: any ToolRunner,
    clock: @escaping Clock = AgentLoop.systemClock
  ) {
    self.reducer = reducer
    self.decider = decider
    self.tools = tools
    self.clock = clock
  }

  public var policy: ControlPolicy { reducer.policy }
  public var vocabulary: Vocabulary { reducer.vocabulary }

  /// Advances `thread` from `events` until it pauses, ends, escalates or runs out of steps.
  ///
  /// A pending sync call with no result yet (an approved approval-kind call, or a call that
  /// was interrupted) is run first. The returned events continue the thread's `seq`.
  ///
  /// - Throws: ``AgentLoopInterrupted`` only when the decider throws (the model source
  ///   failed); it carries the underlying error and the events appended before it, which
  ///   the caller should keep (a tool may already have run). A ``ToolRunner`` that
  ///   throws does not make `advance` throw: the loop stops with
  ///   ``AdvanceResult/Stop/runnerFailed(intent:message:)`` and the error in
  ///   ``AdvanceResult/runnerError``.
  public func advance(thread: String, events: [Event]) async throws -> AdvanceResult {
    var run = Run(thread: thread, events: events, reducer: reducer, clock: clock)
    while true {
      if let pending = run.state.pending, pending.kind == .sync {
        let intent = Intent(name: pending.intent, parameters: pending.parameters)
        if let stop = await runTool(intent, &run) { return run.result(stop) }
        continue
      }
      if let stop = stopReason(run) { return run.result(stop) }
      if let stop = escalateIfCapped(&run) { return run.result(stop) }
      if run.state.steps >= policy.stepBudget { return run.result(.stepLimit) }
      let decision: Decision
      do {
        decision = try await decider.decide(thread: thread, events: run.all)
      } catch {
        throw AgentLoopInterrupted(underlying: error, partial: run.result(.sourceFailed))
      }
      run.decisions.append(decision)
      apply(decision, &run)
    }
  }

  private func stopReason(_ run: Run) -> AdvanceResult.Stop? {
    let pendingIntent = run.state.pending.map { Intent(name: $0.intent, parameters: $0.parameters) }
    switch run.state.status {
    case .running: return nil
    case .awaitingApproval:
      return .awaitingApproval(pendingIntent ?? Intent(name: "(unknown)"))
    case .awaitingHuman:
      return .awaitingHuman(pendingIntent ?? Intent(name: "(unknown)"))
    case .done: return .done(run.lastDecision ?? Intent(name: "(unknown)"))
    case .escalated: return .escalated
    case .stepLimit: return .stepLimit
    }
  }

  private func escalateIfCapped(_ run: inout Run) -> AdvanceResult.Stop? {
    guard reducer.errorCapReached(run.state) else { return nil }
    let count =
      policy.countsErrorsPerIntent
      ? (run.state.consecutiveErrorsByIntent.values.max() ?? 0) : run.state.consecutiveErrors
    var meta: JSONValue = ["escalation": true]
    if policy.escalation == .model {
      // The model had its decision at the cap; only a further error forces the hand-over.
      guard count > policy.errorCap else { return nil }
      meta = ["escalation": true, "forced": true]
    }
    var question = "\(count) consecutive errors"
    if let last = run.lastErrorMessage { question += "; the last one: \(last)" }
    question += ". How should I proceed?"
    let data: JSONValue = ["question": .string(question), "urgency": "high"]
    run.append(
      type: policy.escalationIntent, data: data, meta: meta,
      as: .decision(intent: policy.escalationIntent, kind: .human))
    return .escalated
  }

  private func apply(_ decision: Decision, _ run: inout Run) {
    let meta: JSONValue? = decision.exchangeKey.map { ["exchange_key": .string($0)] }
    switch decision.outcome {
    case .failure(let message):
      run.append(type: "error", data: ["message": .string(message)], meta: meta, as: .error)
    case .intent(let intent):
      let name = vocabulary.canonicalType(intent.name)
      guard let kind = vocabulary.kind(ofIntent: name, vocabulary.threadTypes(run.all)) else {
        let message = "unknown intent \"\(intent.name)\""
        run.append(type: "error", data: ["message": .string(message)], meta: meta, as: .error)
        return
      }
      run.append(
        type: name, data: intent.parameters, meta: meta, as: .decision(intent: name, kind: kind))
    }
  }

  /// Runs a pending sync call; returns a stop reason only when the runner gave up.
  private func runTool(_ intent: Intent, _ run: inout Run) async -> AdvanceResult.Stop? {
    let outcome: ToolOutcome
    do {
      outcome = try await tools.run(intent, thread: run.thread, events: run.all)
    } catch {
      run.runnerError = error
      return .runnerFailed(intent: intent, message: String(describing: error))
    }
    switch outcome {
    case .success(let value):
      run.append(
        type: intent.name + "_result", data: value, meta: nil, as: .result(intent: intent.name))
    case .failure(let message):
      run.append(
        type: "error", data: ["intent": .string(intent.name), "message": .string(message)],
        meta: nil, as: .error)
    }
    return nil
  }
}

extension AgentLoop {
  /// The wall clock as an RFC 3339 UTC timestamp with milliseconds.
  public static let systemClock: Clock = { SystemClockFormatter.now() }
}

/// The working copy of one `advance` call.
private struct Run {
  let thread: String
  let reducer: ThreadReducer
  let clock: AgentLoop.Clock
  var all: [Event]
  var appended: [Event] = []
  var decisions: [Decision] = []
  var state: ThreadState
  var runnerError: (any Error)?

  init(thread: String, events: [Event], reducer: ThreadReducer, clock: @escaping AgentLoop.Clock) {
    self.thread = thread
    self.reducer = reducer
    self.clock = clock
    self.all = events
    self.state = reducer.fold(events)
  }

  /// The most recent decision in the thread, as an intent.
  var lastDecision: Intent? {
    let context = reducer.vocabulary.threadTypes(all)
    for event in all.reversed() {
      if case .decision(let name, _) = reducer.vocabulary.classify(event, in: context) {
        return Intent(name: name, parameters: reducer.parameters(of: event))
      }
    }
    return nil
  }

  var lastErrorMessage: String? {
    all.last { reducer.vocabulary.errorTypes.contains($0.type) }?.data["message"]?.stringValue
  }

  mutating func append(type: String, data: JSONValue, meta: JSONValue?, as eventClass: EventClass) {
    let event = Event(
      thread: thread, seq: state.nextSeq, type: type, data: data, at: clock(), meta: meta)
    reducer.reduce(into: &state, event: event, as: eventClass)
    all.append(event)
    appended.append(event)
  }

  func result(_ stop: AdvanceResult.Stop) -> AdvanceResult {
    AdvanceResult(
      events: appended, state: state, stop: stop, decisions: decisions, runnerError: runnerError)
  }
}
