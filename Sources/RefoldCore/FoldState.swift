/// The state of a thread while ``ThreadReducer/fold(_:upTo:)`` folds it: a ``ThreadState``
/// whose pending decision, feedback and intent counts are kept as event positions and name
/// ids, so that folding an event moves no strings and retains nothing.
///
/// The rules are those of ``ThreadReducer/reduce(into:event:as:)``, applied to this
/// representation; ``state(events:classification:)`` builds the ``ThreadState`` they give.
/// `FoldEquivalenceTests` holds the two to the same results.
struct FoldState {
  var status = ThreadState.Status.running
  var steps = 0
  var consecutiveErrors = 0
  var consecutiveErrorsByIntent: [String: Int] = [:]
  /// The pending decision's intent; -1 when nothing is pending.
  var pendingIntent: Int32 = -1
  var pendingKind = IntentKind.sync
  var pendingSeq = 0
  /// The index of the pending decision's event, whose `data` are its parameters.
  var pendingPosition = 0
  /// The index of the denied approval whose feedback stands; -1 when none.
  var feedbackPosition = -1
  var eventCount = 0
  var nextSeq = 0
  var violations: [InvariantViolation] = []

  var hasPending: Bool { pendingIntent >= 0 }

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

  func errorCapReached(_ policy: ControlPolicy) -> Bool {
    if policy.countsErrorsPerIntent {
      return (consecutiveErrorsByIntent.values.max() ?? 0) >= policy.errorCap
    }
    return consecutiveErrors >= policy.errorCap
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
      // A person answered; at the error cap this ends the streak (see `ThreadReducer`).
      if status == .escalated || errorCapReached(policy) {
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
    _ event: UnsafePointer<Event>, names: borrowing NameTable, vocabulary: Vocabulary
  ) {
    let intent =
      event.pointee.data["intent"]?.stringValue.map(vocabulary.canonicalType)
      ?? (hasPending ? names.name(pendingIntent) : ThreadReducer.undecodableIntent)
    consecutiveErrors += 1
    consecutiveErrorsByIntent[intent, default: 0] += 1
    if hasPending, pendingKind == .sync { pendingIntent = -1 }
  }

  /// The ``ThreadState`` this state stands for, in a thread of `events`.
  func state(events: UnsafeBufferPointer<Event>, classification: FoldClassification)
    -> ThreadState
  {
    let names = classification.names
    var pending: ThreadState.Pending?
    if hasPending {
      pending = .init(
        intent: names.name(pendingIntent), kind: pendingKind, seq: pendingSeq,
        parameters: events[pendingPosition].data)
    }
    var feedback: String?
    if feedbackPosition >= 0 {
      let data = events[feedbackPosition].data
      feedback =
        data["feedback"]?.stringValue ?? data["comment"]?.stringValue
        ?? data["text"]?.stringValue ?? ""
    }
    return ThreadState(
      status: status, steps: steps, consecutiveErrors: consecutiveErrors,
      consecutiveErrorsByIntent: consecutiveErrorsByIntent, pending: pending,
      intentCounts: classification.intentCounts(), feedback: feedback, eventCount: eventCount,
      nextSeq: nextSeq, violations: violations)
  }
}
