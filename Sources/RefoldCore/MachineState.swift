/// The compact state of a ``ThreadMachine`` and the reducer's rules: how each kind of event
/// changes it.
///
/// The pending decision, the standing feedback and the last decision and error are kept as
/// event positions and name ids, so that applying an event moves no strings and retains
/// nothing; ``threadState(_:table:)`` projects the ``ThreadState`` they stand for. These are
/// the only rules in the package: ``ThreadReducer/fold(_:upTo:)`` and
/// ``ThreadMachine/apply(_:)`` both step this state (`FoldEquivalenceTests` holds them to a
/// naive event-by-event reducer kept in the tests).
struct MachineState {
  var status = ThreadState.Status.running
  var steps = 0
  var consecutiveErrors = 0
  var consecutiveErrorsByIntent: [String: Int] = [:]
  /// The pending decision's intent; -1 when nothing is pending.
  var pendingIntent: Int32 = -1
  var pendingKind = IntentKind.sync
  var pendingSeq = 0
  /// The index of the pending decision's event, whose `data` holds its parameters.
  var pendingPosition = 0
  /// The index of the denied approval whose feedback stands; -1 when none.
  var feedbackPosition = -1
  /// The index of the last decision event; -1 when none.
  var lastDecisionPosition = -1
  /// The index of the last error event; -1 when none.
  var lastErrorPosition = -1
  var eventCount = 0
  var nextSeq = 0
  var violations: [InvariantViolation] = []
  /// Decisions made, per class-table entry.
  var decisions: [Int] = []

  var hasPending: Bool { pendingIntent >= 0 }

  /// Applies events `start..<events.count` of a thread whose first event names `thread`.
  @inline(__always)
  mutating func fold(
    _ events: UnsafeBufferPointer<Event>, from start: Int = 0, table: borrowing ClassTable,
    policy: ControlPolicy
  ) {
    guard let base = events.baseAddress, start < events.count else { return }
    if decisions.count < table.entries.count {
      decisions.append(contentsOf: repeatElement(0, count: table.entries.count - decisions.count))
    }
    let thread = base.pointee.thread
    for position in start..<events.count {
      apply(base + position, at: position, table: table, policy: policy, thread: thread)
    }
  }

  /// Applies event `position`, `event`, classified by `table`.
  @inline(__always)
  mutating func apply(
    _ event: UnsafePointer<Event>, at position: Int, table: borrowing ClassTable,
    policy: ControlPolicy, thread: String
  ) {
    let slot = Int(table.slots[position])
    let eventClass = table.entries[slot].eventClass
    checkSequence(event.pointee.seq)
    eventCount += 1
    switch eventClass.kind {
    case .input:
      applyInput(event, at: position, info: table.entries[slot].info, policy: policy)
    case .decision:
      if slot >= decisions.count {
        decisions.append(contentsOf: repeatElement(0, count: slot - decisions.count + 1))
      }
      decisions[slot] += 1
      applyDecision(event, at: position, as: eventClass, policy: policy)
    case .result:
      applyResult(event, intent: eventClass.intent, names: table.names)
    case .error:
      applyError(event, at: position, names: table.names, vocabulary: table.vocabulary)
    case .other:
      break
    }
    if event.pointee.thread != thread {
      violations.append(
        InvariantViolation(
          rule: .foreignThread, seq: event.pointee.seq,
          detail: "event belongs to thread \"\(event.pointee.thread)\", not \"\(thread)\""))
    }
  }

  @inline(__always)
  mutating func checkSequence(_ seq: Int) {
    let expected = nextSeq
    if seq != expected {
      violations.append(
        seq > expected
          ? InvariantViolation(
            rule: .seqGap, seq: seq, detail: "expected seq \(expected), found \(seq)")
          : InvariantViolation(
            rule: .seqRepeat, seq: seq,
            detail: "seq \(seq) repeats or goes back (expected \(expected))"))
    }
    nextSeq = max(expected, seq + 1)
  }

  /// The error streak the cap is measured against (see ``ControlPolicy/errorStreak(_:byIntent:)``).
  func errorStreak(_ policy: ControlPolicy) -> Int {
    policy.errorStreak(consecutiveErrors, byIntent: consecutiveErrorsByIntent)
  }

  @inline(__always)
  mutating func resume(_ policy: ControlPolicy) {
    status = steps >= policy.stepBudget ? .stepLimit : .running
    if hasPending, pendingKind == .approval { status = .awaitingApproval }
  }

  @inline(__always)
  mutating func applyInput(
    _ event: UnsafePointer<Event>, at position: Int, info: TypeInfo, policy: ControlPolicy
  ) {
    if info.isApproval {
      guard hasPending, pendingKind == .approval else {
        violations.append(
          InvariantViolation(
            rule: .approvalWithoutPending, seq: event.pointee.seq,
            detail: "an approval arrived with no decision awaiting approval"))
        resume(policy)
        return
      }
      if event.pointee.data["approved"]?.boolValue == false {
        feedbackPosition = position
        pendingIntent = -1
      } else {
        // Approved: the tool now runs, and its result is awaited like a sync call's.
        pendingKind = .sync
      }
      resume(policy)
      return
    }
    if info.isHumanResponse {
      guard status == .awaitingHuman || status == .escalated else {
        violations.append(
          InvariantViolation(
            rule: .responseWithoutRequest, seq: event.pointee.seq,
            detail: "a human response arrived while no decision asked for one"))
        resume(policy)
        return
      }
    }
    if hasPending, pendingKind == .human {
      // A person answered. If they were asked because of the error cap (the runtime's
      // escalation, or the model's own at the cap), the streak is over; otherwise the model
      // would be told to escalate again before it could act on the answer.
      if status == .escalated || policy.reachesCap(errorStreak(policy)) {
        consecutiveErrors = 0
        consecutiveErrorsByIntent = [:]
      }
      pendingIntent = -1
    }
    resume(policy)
  }

  @inline(__always)
  mutating func applyDecision(
    _ event: UnsafePointer<Event>, at position: Int, as eventClass: CompactClass,
    policy: ControlPolicy
  ) {
    steps += 1
    feedbackPosition = -1
    lastDecisionPosition = position
    pendingIntent = eventClass.intent
    pendingKind = eventClass.intentKind
    pendingSeq = event.pointee.seq
    pendingPosition = position
    switch eventClass.intentKind {
    case .sync: status = .running
    case .approval: status = .awaitingApproval
    case .human: status = event.pointee.isEscalation ? .escalated : .awaitingHuman
    case .terminal:
      pendingIntent = -1
      status = .done
    }
    if status == .running, steps >= policy.stepBudget { status = .stepLimit }
  }

  @inline(__always)
  mutating func applyResult(
    _ event: UnsafePointer<Event>, intent: Int32, names: borrowing NameTable
  ) {
    guard hasPending, pendingKind == .sync, intent < 0 || intent == pendingIntent else {
      let what = intent < 0 ? "a tool" : "\"\(names.name(intent))\""
      violations.append(
        InvariantViolation(
          rule: .resultWithoutCall, seq: event.pointee.seq,
          detail: "a result for \(what) arrived with no call waiting for it"))
      return
    }
    let answered = pendingIntent
    pendingIntent = -1
    consecutiveErrors = 0
    if !consecutiveErrorsByIntent.isEmpty {
      consecutiveErrorsByIntent[names.name(answered)] = nil
    }
  }

  mutating func applyError(
    _ event: UnsafePointer<Event>, at position: Int, names: borrowing NameTable,
    vocabulary: Vocabulary
  ) {
    let intent =
      event.pointee.data["intent"]?.stringValue.map(vocabulary.canonicalType)
      ?? (hasPending ? names.name(pendingIntent) : ThreadReducer.undecodableIntent)
    lastErrorPosition = position
    consecutiveErrors += 1
    consecutiveErrorsByIntent[intent, default: 0] += 1
    if hasPending, pendingKind == .sync { pendingIntent = -1 }
  }

  /// The parameters of decision event `position`: its `data`, or for a `tool_call`
  /// `data.parameters` (or `data.arguments`).
  static func parameters(of event: Event, isToolCall: Bool) -> JSONValue {
    guard isToolCall else { return event.data }
    return event.data["parameters"] ?? event.data["arguments"] ?? .emptyObject
  }

  /// The decision of event `position` as an intent.
  func intent(at position: Int, _ events: UnsafeBufferPointer<Event>, table: borrowing ClassTable)
    -> Intent
  {
    let entry = table.entries[Int(table.slots[position])]
    return Intent(
      name: table.names.name(entry.eventClass.intent),
      parameters: Self.parameters(of: events[position], isToolCall: entry.info.isToolCall))
  }

  /// The ``ThreadState`` this state stands for, in a thread of `events`.
  func threadState(_ events: UnsafeBufferPointer<Event>, table: borrowing ClassTable)
    -> ThreadState
  {
    var pending: ThreadState.Pending?
    if hasPending {
      let entry = table.entries[Int(table.slots[pendingPosition])]
      pending = .init(
        intent: table.names.name(pendingIntent), kind: pendingKind, seq: pendingSeq,
        parameters: Self.parameters(of: events[pendingPosition], isToolCall: entry.info.isToolCall))
    }
    var feedback: String?
    if feedbackPosition >= 0 {
      let data = events[feedbackPosition].data
      feedback =
        data["feedback"]?.stringValue ?? data["comment"]?.stringValue
        ?? data["text"]?.stringValue ?? ""
    }
    var counts = [String: Int](minimumCapacity: decisions.count)
    for (slot, count) in decisions.enumerated() where count > 0 {
      counts[table.names.name(table.entries[slot].eventClass.intent), default: 0] += count
    }
    return ThreadState(
      status: status, steps: steps, consecutiveErrors: consecutiveErrors,
      consecutiveErrorsByIntent: consecutiveErrorsByIntent, pending: pending,
      intentCounts: counts, feedback: feedback, eventCount: eventCount, nextSeq: nextSeq,
      violations: violations)
  }
}
