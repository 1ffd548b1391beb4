@testable import RefoldCore

/// The test oracle: the reducer's rules written the plain way, one event at a time, with
/// classification from sets of the types seen so far and every name a `String`.
///
/// The package's one implementation (``ThreadMachine`` over a ``ClassTable`` and a compact
/// state) must agree with it on every thread; `FoldEquivalenceTests` checks that.
struct NaiveReducer {
  let vocabulary: Vocabulary
  let policy: ControlPolicy

  init(_ reducer: ThreadReducer) {
    vocabulary = reducer.vocabulary
    policy = reducer.policy
  }

  /// What the default inference rules know of a thread: its types and the decision names
  /// an `approval` directly followed.
  struct ThreadTypes: ThreadTypeFacts {
    var types = Set<String>()
    var approvalRequested = Set<String>()

    func requestsApproval(_ type: String) -> Bool { approvalRequested.contains(type) }
    func hasResult(for type: String) -> Bool { types.contains(type + "_result") }
  }

  func threadTypes(_ events: ArraySlice<Event>) -> ThreadTypes {
    var facts = ThreadTypes()
    var previous: String?
    for event in events {
      let type = vocabulary.canonicalType(event.type)
      facts.types.insert(type)
      if let base = vocabulary.resultBase(of: type) { facts.types.insert(base + "_result") }
      if type == "approval", let previous { facts.approvalRequested.insert(previous) }
      previous = decisionName(of: event, type: type)
    }
    return facts
  }

  func decisionName(of event: Event, type: String) -> String {
    guard type == "tool_call",
      let name = event.data["intent"]?.stringValue ?? event.data["name"]?.stringValue
    else { return type }
    return vocabulary.canonicalType(name)
  }

  /// The classes of the first `count` events, from those events only.
  func classes(_ events: [Event], upTo count: Int) -> [EventClass] {
    let prefix = events.prefix(max(0, count))
    let context = threadTypes(prefix)
    return prefix.map {
      vocabulary.classify(data: $0.data, canonical: vocabulary.canonicalType($0.type), in: context)
    }
  }

  /// The state after the first `count` events.
  func fold(_ events: [Event], upTo count: Int) -> ThreadState {
    let classes = classes(events, upTo: count)
    var state = ThreadState.initial
    for (event, eventClass) in zip(events, classes) {
      reduce(into: &state, event: event, as: eventClass)
      if let thread = events.first?.thread, event.thread != thread {
        state.violations.append(
          InvariantViolation(
            rule: .foreignThread, seq: event.seq,
            detail: "event belongs to thread \"\(event.thread)\", not \"\(thread)\""))
      }
    }
    return state
  }

  func fold(_ events: [Event]) -> ThreadState { fold(events, upTo: events.count) }

  func errorCapReached(_ state: ThreadState) -> Bool {
    if policy.countsErrorsPerIntent {
      return (state.consecutiveErrorsByIntent.values.max() ?? 0) >= policy.errorCap
    }
    return state.consecutiveErrors >= policy.errorCap
  }

  func reduce(into state: inout ThreadState, event: Event, as eventClass: EventClass) {
    if event.seq > state.nextSeq {
      state.violations.append(
        InvariantViolation(
          rule: .seqGap, seq: event.seq, detail: "expected seq \(state.nextSeq), found \(event.seq)"
        ))
    } else if event.seq < state.nextSeq {
      state.violations.append(
        InvariantViolation(
          rule: .seqRepeat, seq: event.seq,
          detail: "seq \(event.seq) repeats or goes back (expected \(state.nextSeq))"))
    }
    state.nextSeq = max(state.nextSeq, event.seq + 1)
    state.eventCount += 1
    let type = vocabulary.canonicalType(event.type)
    switch eventClass {
    case .input: applyInput(&state, event, type: type)
    case .decision(let intent, let kind):
      state.intentCounts[intent, default: 0] += 1
      applyDecision(&state, event, intent: intent, kind: kind, isToolCall: type == "tool_call")
    case .result(let intent): applyResult(&state, event, intent: intent)
    case .error: applyError(&state, event)
    case .other: break
    }
  }

  private func resume(_ state: inout ThreadState) {
    state.status = state.steps >= policy.stepBudget ? .stepLimit : .running
    if state.pending?.kind == .approval { state.status = .awaitingApproval }
  }

  private func applyInput(_ state: inout ThreadState, _ event: Event, type: String) {
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
        state.pending?.kind = .sync
      }
      resume(&state)
      return
    }
    if type == "human_response", state.status != .awaitingHuman, state.status != .escalated {
      state.violations.append(
        InvariantViolation(
          rule: .responseWithoutRequest, seq: event.seq,
          detail: "a human response arrived while no decision asked for one"))
      resume(&state)
      return
    }
    if let pending = state.pending, pending.kind == .human {
      if state.status == .escalated || errorCapReached(state) {
        state.consecutiveErrors = 0
        state.consecutiveErrorsByIntent = [:]
      }
      state.pending = nil
    }
    resume(&state)
  }

  private func applyDecision(
    _ state: inout ThreadState, _ event: Event, intent: String, kind: IntentKind,
    isToolCall: Bool
  ) {
    state.steps += 1
    state.feedback = nil
    let parameters =
      isToolCall
      ? (event.data["parameters"] ?? event.data["arguments"] ?? .emptyObject) : event.data
    state.pending = .init(intent: intent, kind: kind, seq: event.seq, parameters: parameters)
    switch kind {
    case .sync: state.status = .running
    case .approval: state.status = .awaitingApproval
    case .human: state.status = event.isEscalation ? .escalated : .awaitingHuman
    case .terminal:
      state.pending = nil
      state.status = .done
    }
    if state.status == .running, state.steps >= policy.stepBudget { state.status = .stepLimit }
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
    if !state.consecutiveErrorsByIntent.isEmpty {
      state.consecutiveErrorsByIntent[pending.intent] = nil
    }
  }

  private func applyError(_ state: inout ThreadState, _ event: Event) {
    let intent =
      event.data["intent"]?.stringValue.map(vocabulary.canonicalType) ?? state.pending?.intent
      ?? ThreadReducer.undecodableIntent
    state.consecutiveErrors += 1
    state.consecutiveErrorsByIntent[intent, default: 0] += 1
    if state.pending?.kind == .sync { state.pending = nil }
  }
}
