/// The stateless reducer: `state = events.reduce(into: .initial, reduce)` (factor 12).
///
/// Pure and total: it never traps and never does I/O. A thread that breaks an invariant (a
/// gap in `seq`, an approval with nothing pending) folds to a state whose `violations` say so.
///
/// ```swift
/// let reducer = ThreadReducer()
/// let state = reducer.fold(events)
/// print(state.status, state.steps)
/// ```
public struct ThreadReducer: Sendable, Hashable {
  public var vocabulary: Vocabulary
  public var policy: ControlPolicy

  public init(vocabulary: Vocabulary = .default, policy: ControlPolicy = .default) {
    self.vocabulary = vocabulary
    self.policy = policy
  }

  /// The state after all `events`.
  public func fold(_ events: [Event]) -> ThreadState {
    fold(events, upTo: events.count)
  }

  /// The state after the first `count` events (`--at N`); classification sees the whole thread.
  public func fold(_ events: [Event], upTo count: Int) -> ThreadState {
    let context = vocabulary.threadTypes(events)
    var state = ThreadState.initial
    let thread = events.first?.thread
    for event in events.prefix(max(0, count)) {
      step(&state, event, context, thread: thread)
    }
    return state
  }

  /// Folds one event of a thread whose first event names `thread`.
  private func step(
    _ state: inout ThreadState, _ event: Event, _ context: Vocabulary.ThreadTypes,
    thread: String?
  ) {
    reduce(into: &state, event: event, as: vocabulary.classify(event, in: context))
    if let thread, event.thread != thread {
      state.violations.append(
        InvariantViolation(
          rule: .foreignThread, seq: event.seq,
          detail: "event belongs to thread \"\(event.thread)\", not \"\(thread)\""))
    }
  }

  /// The state after each event: `states[k]` is the state after events `0...k`.
  public func states(_ events: [Event]) -> [ThreadState] {
    let context = vocabulary.threadTypes(events)
    var state = ThreadState.initial
    var result: [ThreadState] = []
    result.reserveCapacity(events.count)
    let thread = events.first?.thread
    for event in events {
      step(&state, event, context, thread: thread)
      result.append(state)
    }
    return result
  }

  /// Whether consecutive errors have reached the policy's cap.
  public func errorCapReached(_ state: ThreadState) -> Bool {
    if policy.countsErrorsPerIntent {
      return (state.consecutiveErrorsByIntent.values.max() ?? 0) >= policy.errorCap
    }
    return state.consecutiveErrors >= policy.errorCap
  }

  /// Applies one classified event to `state`.
  public func reduce(into state: inout ThreadState, event: Event, as eventClass: EventClass) {
    checkSequence(&state, event)
    state.eventCount += 1
    switch eventClass {
    case .input:
      applyInput(&state, event)
    case .decision(let intent, let kind):
      applyDecision(&state, event, intent: intent, kind: kind)
    case .result(let intent):
      applyResult(&state, event, intent: intent)
    case .error:
      applyError(&state, event)
    case .other:
      break
    }
  }

  private func checkSequence(_ state: inout ThreadState, _ event: Event) {
    let expected = state.nextSeq
    if event.seq > expected {
      state.violations.append(
        InvariantViolation(
          rule: .seqGap, seq: event.seq, detail: "expected seq \(expected), found \(event.seq)"))
    } else if event.seq < expected {
      state.violations.append(
        InvariantViolation(
          rule: .seqRepeat, seq: event.seq,
          detail: "seq \(event.seq) repeats or goes back (expected \(expected))"))
    }
    state.nextSeq = max(expected, event.seq + 1)
  }

  private func applyInput(_ state: inout ThreadState, _ event: Event) {
    let type = vocabulary.canonicalType(event.type)
    if type == "approval" {
      guard let pending = state.pending, pending.kind == .approval else {
        state.violations.append(
          InvariantViolation(
            rule: .approvalWithoutPending, seq: event.seq,
            detail: "an approval arrived with no decision awaiting approval"))
        resume(&state)
        return
      }
      if event.data["approved"]?.boolValue == false {
        state.feedback =
          event.data["feedback"]?.stringValue ?? event.data["comment"]?.stringValue
          ?? event.data["text"]?.stringValue ?? ""
        state.pending = nil
      } else {
        // Approved: the tool now runs, and its result is awaited like a sync call's.
        state.pending?.kind = .sync
      }
      resume(&state)
      return
    }
    if type == "human_response" {
      guard state.status == .awaitingHuman || state.status == .escalated else {
        state.violations.append(
          InvariantViolation(
            rule: .responseWithoutRequest, seq: event.seq,
            detail: "a human response arrived while no decision asked for one"))
        resume(&state)
        return
      }
    }
    if let pending = state.pending, pending.kind == .human {
      // A person answered. If they were asked because of the error cap (the runtime's
      // escalation, or the model's own at the cap), the streak is over; otherwise the model
      // would be told to escalate again before it could act on the answer.
      if state.status == .escalated || errorCapReached(state) {
        state.consecutiveErrors = 0
        state.consecutiveErrorsByIntent = [:]
      }
      state.pending = nil
    }
    resume(&state)
  }

  private func resume(_ state: inout ThreadState) {
    state.status = state.steps >= policy.stepBudget ? .stepLimit : .running
    if state.pending?.kind == .approval { state.status = .awaitingApproval }
  }

  private func applyDecision(
    _ state: inout ThreadState, _ event: Event, intent: String, kind: IntentKind
  ) {
    state.steps += 1
    state.intentCounts[intent, default: 0] += 1
    state.feedback = nil
    let parameters = parameters(of: event)
    switch kind {
    case .sync:
      state.pending = .init(intent: intent, kind: .sync, seq: event.seq, parameters: parameters)
      state.status = .running
    case .approval:
      state.pending = .init(intent: intent, kind: .approval, seq: event.seq, parameters: parameters)
      state.status = .awaitingApproval
    case .human:
      state.pending = .init(intent: intent, kind: .human, seq: event.seq, parameters: parameters)
      state.status = event.isEscalation ? .escalated : .awaitingHuman
    case .terminal:
      state.pending = nil
      state.status = .done
    }
    if state.status == .running, state.steps >= policy.stepBudget {
      state.status = .stepLimit
    }
  }

  private func applyResult(_ state: inout ThreadState, _ event: Event, intent: String?) {
    guard let pending = state.pending, pending.kind == .sync,
      intent == nil || intent == pending.intent
    else {
      state.violations.append(
        InvariantViolation(
          rule: .resultWithoutCall, seq: event.seq,
          detail: "a result for \(intent.map { "\"\($0)\"" } ?? "a tool") arrived with no call "
            + "waiting for it"))
      return
    }
    state.pending = nil
    state.consecutiveErrors = 0
    state.consecutiveErrorsByIntent[pending.intent] = nil
  }

  private func applyError(_ state: inout ThreadState, _ event: Event) {
    let intent =
      event.data["intent"]?.stringValue.map(vocabulary.canonicalType) ?? state.pending?.intent
      ?? ThreadReducer.undecodableIntent
    state.consecutiveErrors += 1
    state.consecutiveErrorsByIntent[intent, default: 0] += 1
    if state.pending?.kind == .sync { state.pending = nil }
  }

  /// The intent an error is counted under when it names none and nothing was pending
  /// (undecodable model output).
  public static let undecodableIntent = "(undecodable)"

  /// The parameters of a decision event: `data`, or `data.parameters`/`data.arguments` for a
  /// generic `tool_call`.
  public func parameters(of event: Event) -> JSONValue {
    if vocabulary.canonicalType(event.type) == "tool_call" {
      return event.data["parameters"] ?? event.data["arguments"] ?? .emptyObject
    }
    return event.data
  }
}
