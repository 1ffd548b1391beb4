/// The agent runtime: asks a ``Decider`` for the next intent, runs sync tools through a
/// ``ToolRunner``, and appends what happened as events until the thread has to wait or ends.
///
/// The loop is a small interpreter of the ``ThreadMachine``: after every event the machine
/// says what happens next (a ``NextStep``), and the loop carries it out. It decides nothing
/// itself: control flow (factor 8) is the machine's rules. It keeps no state between calls,
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
/// When consecutive errors reach the cap (``NextStep/escalate(_:)``): with
/// ``ControlPolicy/Escalation/deterministic`` the loop appends a `request_human_input` decision with `meta.escalation: true` and stops;
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
  /// The loop interprets the ``ThreadMachine``'s ``NextStep`` after each event: it runs the
  /// tool of a pending sync call (an approved approval-kind call, or a call that was
  /// interrupted, runs first), asks the decider when the machine says ``NextStep/decide``,
  /// appends the escalation the machine describes, and stops on any other step. The
  /// returned events continue the thread's `seq`.
  ///
  /// - Throws: ``AgentLoopInterrupted`` only when the decider throws (the model source
  ///   failed); it carries the underlying error and the events appended before it, which
  ///   the caller should keep (a tool may already have run). A ``ToolRunner`` that
  ///   throws does not make `advance` throw: the loop stops with
  ///   ``AdvanceResult/Stop/runnerFailed(intent:message:)`` and the error in
  ///   ``AdvanceResult/runnerError``.
  public func advance(thread: String, events: [Event]) async throws -> AdvanceResult {
    var run = Run(thread: thread, machine: reducer.machine(events), clock: clock)
    var ranCallAt: Int?
    while true {
      switch run.machine.nextStep {
      case .runTool(let intent):
        let callSeq = run.machine.state.pending?.seq
        guard ranCallAt == nil || ranCallAt != callSeq else {
          // The result the loop appended did not answer the call (the vocabulary does not
          // read `<intent>_result` as its result); stop rather than run the tool again.
          return run.result(
            .runnerFailed(
              intent: intent, message: "the result of \"\(intent.name)\" did not answer the call"))
        }
        ranCallAt = callSeq
        if let stop = await runTool(intent, &run) { return run.result(stop) }
      case .decide:
        let decision: Decision
        do {
          decision = try await decider.decide(thread: thread, events: run.machine.events)
        } catch {
          throw AgentLoopInterrupted(underlying: error, partial: run.result(.sourceFailed))
        }
        run.decisions.append(decision)
        apply(decision, &run)
      case .escalate(let escalation):
        run.append(type: escalation.intent, data: escalation.data, meta: escalation.meta)
        return run.result(.escalated)
      case .awaitApproval(let intent): return run.result(.awaitingApproval(intent))
      case .awaitHuman(let intent): return run.result(.awaitingHuman(intent))
      case .done(let intent): return run.result(.done(intent))
      case .escalated: return run.result(.escalated)
      case .stepLimit: return run.result(.stepLimit)
      }
    }
  }

  private func apply(_ decision: Decision, _ run: inout Run) {
    let meta: JSONValue? = decision.exchangeKey.map { ["exchange_key": .string($0)] }
    switch decision.outcome {
    case .failure(let message):
      run.append(type: "error", data: ["message": .string(message)], meta: meta)
    case .intent(let intent):
      let name = vocabulary.canonicalType(intent.name)
      guard run.machine.kind(ofIntent: name) != nil else {
        let message = "unknown intent \"\(intent.name)\""
        run.append(type: "error", data: ["message": .string(message)], meta: meta)
        return
      }
      run.append(type: name, data: intent.parameters, meta: meta)
    }
  }

  /// Runs a pending sync call; returns a stop reason only when the runner gave up.
  private func runTool(_ intent: Intent, _ run: inout Run) async -> AdvanceResult.Stop? {
    let outcome: ToolOutcome
    do {
      outcome = try await tools.run(intent, thread: run.thread, events: run.machine.events)
    } catch {
      run.runnerError = error
      return .runnerFailed(intent: intent, message: String(describing: error))
    }
    switch outcome {
    case .success(let value):
      run.append(type: intent.name + "_result", data: value, meta: nil)
    case .recorded(let type, let data):
      run.append(type: type, data: data, meta: nil)
    case .failure(let message):
      run.append(
        type: "error", data: ["intent": .string(intent.name), "message": .string(message)],
        meta: nil)
    }
    return nil
  }
}

extension AgentLoop {
  /// The wall clock as an RFC 3339 UTC timestamp with milliseconds.
  public static let systemClock: Clock = { SystemClockFormatter.now() }
}

/// The working copy of one `advance` call: the machine, and what this call appended.
private struct Run {
  let thread: String
  let clock: AgentLoop.Clock
  var machine: ThreadMachine
  var appended: [Event] = []
  var decisions: [Decision] = []
  var runnerError: (any Error)?

  init(thread: String, machine: ThreadMachine, clock: @escaping AgentLoop.Clock) {
    self.thread = thread
    self.machine = machine
    self.clock = clock
  }

  mutating func append(type: String, data: JSONValue, meta: JSONValue?) {
    let event = Event(
      thread: thread, seq: machine.nextSeq, type: type, data: data, at: clock(),
      meta: meta)
    machine.apply(event)
    appended.append(event)
  }

  func result(_ stop: AdvanceResult.Stop) -> AdvanceResult {
    AdvanceResult(
      events: appended, state: machine.state, stop: stop, decisions: decisions,
      runnerError: runnerError)
  }
}
