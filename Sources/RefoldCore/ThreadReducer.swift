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
  public var vocabulary: Vocabulary {
    didSet { typeCache = TypeClassCache() }
  }
  public var policy: ControlPolicy
  /// What the vocabulary says of each event type met so far, shared by copies of this
  /// reducer until one changes its vocabulary (``fold(_:upTo:)`` reads and fills it).
  private var typeCache = TypeClassCache()

  public init(vocabulary: Vocabulary = .default, policy: ControlPolicy = .default) {
    self.vocabulary = vocabulary
    self.policy = policy
  }

  public static func == (lhs: ThreadReducer, rhs: ThreadReducer) -> Bool {
    lhs.vocabulary == rhs.vocabulary && lhs.policy == rhs.policy
  }

  public func hash(into hasher: inout Hasher) {
    hasher.combine(vocabulary)
    hasher.combine(policy)
  }

  /// The state after all `events`.
  public func fold(_ events: [Event]) -> ThreadState {
    fold(events, upTo: events.count)
  }

  /// The state after the first `count` events (`--at N`); classification sees the whole thread.
  public func fold(_ events: [Event], upTo count: Int) -> ThreadState {
    let end = min(max(0, count), events.count)
    // Events are read in place through a pointer: copying one retains all of its fields.
    let folded = events.withUnsafeBufferPointer { buffer -> ThreadState? in
      guard
        var classification = FoldClassification(
          buffer, vocabulary: vocabulary, snapshot: typeCache.snapshot)
      else { return nil }
      if !classification.learned.isEmpty { typeCache.remember(classification.learned) }
      return fold(buffer, upTo: end, &classification)
    }
    return folded ?? foldClassifyingToolCalls(events, upTo: end)
  }

  /// Folds the first `end` events of a thread without `tool_call` events.
  private func fold(
    _ events: UnsafeBufferPointer<Event>, upTo end: Int,
    _ classification: inout FoldClassification
  ) -> ThreadState {
    var state = FoldState()
    guard let base = events.baseAddress else {
      return state.state(events: events, classification: classification)
    }
    let thread = base.pointee.thread
    for position in 0..<end {
      let event = base + position
      let slot = Int(classification.slots[position])
      let eventClass = classification.entries[slot].eventClass
      state.checkSequence(event.pointee.seq)
      state.eventCount += 1
      switch eventClass.kind {
      case .input:
        state.applyInput(
          event, at: position, info: classification.entries[slot].info, policy: policy)
      case .decision:
        classification.countDecision(slot: slot)
        state.applyDecision(event, at: position, as: eventClass, policy: policy)
      case .result:
        state.applyResult(event, intent: eventClass.intent, names: classification.names)
      case .error:
        state.applyError(event, names: classification.names, vocabulary: vocabulary)
      case .other:
        break
      }
      if event.pointee.thread != thread {
        state.violations.append(
          InvariantViolation(
            rule: .foreignThread, seq: event.pointee.seq,
            detail: "event belongs to thread \"\(event.pointee.thread)\", not \"\(thread)\""))
      }
    }
    return state.state(events: events, classification: classification)
  }

  /// ``fold(_:upTo:)`` for a thread with `tool_call` events, whose classes depend on their
  /// data: classified with ``ThreadClassification``, reduced on a ``ThreadState``.
  private func foldClassifyingToolCalls(_ events: [Event], upTo end: Int) -> ThreadState {
    var classification = ThreadClassification(events, vocabulary: vocabulary)
    var state = ThreadState.initial
    events.withUnsafeBufferPointer { buffer in
      guard let base = buffer.baseAddress else { return }
      let thread = base.pointee.thread
      for position in 0..<end {
        step(&state, base + position, at: position, &classification, thread: thread)
      }
    }
    // Decisions of types classified once are counted per type, then added up here.
    classification.flushDecisions(into: &state.intentCounts)
    return state
  }

  /// Folds event `position` of a thread whose first event names `thread`.
  ///
  /// Unless `countsNow`, a decision of a type classified once is counted in `classification`
  /// (see ``ThreadClassification/flushDecisions(into:)``), not yet in `state.intentCounts`.
  @inline(__always)
  private func step(
    _ state: inout ThreadState, _ event: UnsafePointer<Event>, at position: Int,
    _ classification: inout ThreadClassification, thread: String, countsNow: Bool = false
  ) {
    let slot = Int(classification.slots[position])
    let eventClass = classification.eventClass(at: position, of: event, vocabulary: vocabulary)
    let defers = !countsNow && classification.entries[slot].eventClass != nil
    apply(
      &state, event, as: eventClass,
      type: TypeFlags(
        isApproval: classification.entries[slot].isApproval,
        isHumanResponse: classification.entries[slot].isHumanResponse,
        isToolCall: classification.entries[slot].isToolCall),
      countsDecision: !defers)
    if defers, case .decision = eventClass { classification.countDecision(at: position) }
    if event.pointee.thread != thread {
      state.violations.append(
        InvariantViolation(
          rule: .foreignThread, seq: event.pointee.seq,
          detail: "event belongs to thread \"\(event.pointee.thread)\", not \"\(thread)\""))
    }
  }

  /// The state after each event: `states[k]` is the state after events `0...k`.
  public func states(_ events: [Event]) -> [ThreadState] {
    var classification = ThreadClassification(events, vocabulary: vocabulary)
    var state = ThreadState.initial
    var result: [ThreadState] = []
    result.reserveCapacity(events.count)
    events.withUnsafeBufferPointer { buffer in
      guard let base = buffer.baseAddress else { return }
      let thread = base.pointee.thread
      for position in buffer.indices {
        step(
          &state, base + position, at: position, &classification, thread: thread,
          countsNow: true)
        result.append(state)
      }
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
    withUnsafePointer(to: event) {
      apply(&state, $0, as: eventClass, type: nil, countsDecision: true)
    }
  }

  /// What the reducer asks of an event's canonical type besides its class.
  struct TypeFlags {
    var isApproval: Bool
    var isHumanResponse: Bool
    var isToolCall: Bool
  }

  /// ``reduce(into:event:as:)``, given the flags of the event's canonical type when known
  /// (`type` nil: worked out here), and counting a decision in `intentCounts` or not.
  @inline(__always)
  private func apply(
    _ state: inout ThreadState, _ event: UnsafePointer<Event>, as eventClass: EventClass,
    type: TypeFlags?,
    countsDecision: Bool
  ) {
    checkSequence(&state, event)
    state.eventCount += 1
    switch eventClass {
    case .input:
      applyInput(&state, event, type: type ?? flags(of: event))
    case .decision(let intent, let kind):
      if countsDecision { state.intentCounts[intent, default: 0] += 1 }
      let isToolCall =
        type?.isToolCall ?? (vocabulary.canonicalType(event.pointee.type) == "tool_call")
      applyDecision(&state, event, intent: intent, kind: kind, isToolCall: isToolCall)
    case .result(let intent):
      applyResult(&state, event, intent: intent)
    case .error:
      applyError(&state, event)
    case .other:
      break
    }
  }

  private func checkSequence(_ state: inout ThreadState, _ event: UnsafePointer<Event>) {
    let expected = state.nextSeq
    if event.pointee.seq > expected {
      state.violations.append(
        InvariantViolation(
          rule: .seqGap, seq: event.pointee.seq,
          detail: "expected seq \(expected), found \(event.pointee.seq)"))
    } else if event.pointee.seq < expected {
      state.violations.append(
        InvariantViolation(
          rule: .seqRepeat, seq: event.pointee.seq,
          detail: "seq \(event.pointee.seq) repeats or goes back (expected \(expected))"))
    }
    state.nextSeq = max(expected, event.pointee.seq + 1)
  }

  private func flags(of event: UnsafePointer<Event>) -> TypeFlags {
    let type = vocabulary.canonicalType(event.pointee.type)
    return TypeFlags(
      isApproval: type == "approval", isHumanResponse: type == "human_response",
      isToolCall: type == "tool_call")
  }

  private func applyInput(
    _ state: inout ThreadState, _ event: UnsafePointer<Event>, type: TypeFlags
  ) {
    if type.isApproval {
      guard let pending = state.pending, pending.kind == .approval else {
        state.violations.append(
          InvariantViolation(
            rule: .approvalWithoutPending, seq: event.pointee.seq,
            detail: "an approval arrived with no decision awaiting approval"))
        resume(&state)
        return
      }
      if event.pointee.data["approved"]?.boolValue == false {
        state.feedback =
          event.pointee.data["feedback"]?.stringValue ?? event.pointee.data["comment"]?.stringValue
          ?? event.pointee.data["text"]?.stringValue ?? ""
        state.pending = nil
      } else {
        // Approved: the tool now runs, and its result is awaited like a sync call's.
        state.pending?.kind = .sync
      }
      resume(&state)
      return
    }
    if type.isHumanResponse {
      guard state.status == .awaitingHuman || state.status == .escalated else {
        state.violations.append(
          InvariantViolation(
            rule: .responseWithoutRequest, seq: event.pointee.seq,
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
    _ state: inout ThreadState, _ event: UnsafePointer<Event>, intent: String, kind: IntentKind,
    isToolCall: Bool
  ) {
    state.steps += 1
    state.feedback = nil
    let parameters = isToolCall ? toolCallParameters(event) : event.pointee.data
    switch kind {
    case .sync:
      state.pending = .init(
        intent: intent, kind: .sync, seq: event.pointee.seq, parameters: parameters)
      state.status = .running
    case .approval:
      state.pending = .init(
        intent: intent, kind: .approval, seq: event.pointee.seq, parameters: parameters)
      state.status = .awaitingApproval
    case .human:
      state.pending = .init(
        intent: intent, kind: .human, seq: event.pointee.seq, parameters: parameters)
      state.status = event.pointee.isEscalation ? .escalated : .awaitingHuman
    case .terminal:
      state.pending = nil
      state.status = .done
    }
    if state.status == .running, state.steps >= policy.stepBudget {
      state.status = .stepLimit
    }
  }

  private func applyResult(
    _ state: inout ThreadState, _ event: UnsafePointer<Event>, intent: String?
  ) {
    guard let pending = state.pending, pending.kind == .sync,
      intent == nil || intent == pending.intent
    else {
      state.violations.append(
        InvariantViolation(
          rule: .resultWithoutCall, seq: event.pointee.seq,
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

  private func applyError(_ state: inout ThreadState, _ event: UnsafePointer<Event>) {
    let intent =
      event.pointee.data["intent"]?.stringValue.map(vocabulary.canonicalType) ?? state.pending?
      .intent
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
      return withUnsafePointer(to: event) { toolCallParameters($0) }
    }
    return event.data
  }

  private func toolCallParameters(_ event: UnsafePointer<Event>) -> JSONValue {
    event.pointee.data["parameters"] ?? event.pointee.data["arguments"] ?? .emptyObject
  }
}
