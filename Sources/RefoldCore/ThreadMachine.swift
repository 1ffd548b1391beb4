/// The thread machine: applies one event at a time to a compact state and says what happens
/// next, as a value (the reducer and effect of TCA's shape).
///
/// ```swift
/// var machine = ThreadMachine(spec.reducer, events: stored)
/// switch machine.apply(event) {
/// case .runTool(let call): …   // run it, then apply its result
/// case .decide: …              // ask the model, then apply its decision
/// default: …                   // paused, finished, or to be escalated
/// }
/// ```
///
/// The state after `k` events depends on those `k` events only: classes come from a
/// ``ClassTable`` of the events seen so far. When an event settles the class of a type
/// already seen (a `T_result` makes `T` a sync decision; an `approval` right after `T` makes
/// it an approval-kind one), the machine re-reads the events it holds with the new table,
/// starting from the state it kept before that type's first event (from the start for
/// events it was created with), so that its state is always exactly
/// ``ThreadReducer/fold(_:)`` of those events. Classes only move up (unknown → sync →
/// approval), so each type causes at most two re-reads; with an agent spec's declared intents
/// there are none.
public struct ThreadMachine: Sendable {
  /// The vocabulary and policy the machine applies.
  public let reducer: ThreadReducer
  /// The events applied so far, in order.
  public private(set) var events: [Event]
  private var table: ClassTable
  private var core = MachineState()
  /// The state before the first event of each type whose class may still change, applied
  /// one at a time (a re-read starts from the latest one that still holds).
  private var checkpoints: [Checkpoint] = []

  /// The state before event `position`.
  private struct Checkpoint: Sendable {
    let position: Int
    let state: MachineState
  }

  /// A machine that has applied `events` (one inference pass, then one fold).
  public init(_ reducer: ThreadReducer, events: [Event] = []) {
    self.reducer = reducer
    self.events = events
    let snapshot = reducer.typeCache.snapshot
    var core = MachineState()
    table = events.withUnsafeBufferPointer { buffer in
      let table = ClassTable(buffer, vocabulary: reducer.vocabulary, snapshot: snapshot)
      core.fold(buffer, table: table, policy: reducer.policy)
      return table
    }
    self.core = core
  }

  public var policy: ControlPolicy { reducer.policy }

  /// Applies `event` (the thread's next one) and returns what happens next.
  @discardableResult
  public mutating func apply(_ event: Event) -> NextStep {
    let position = events.count
    events.append(event)
    let policy = reducer.policy
    // A second reference to the events, so that the closure reads no part of `self` that it
    // does not mutate (appending already happened; nothing copies the storage).
    let events = self.events
    events.withUnsafeBufferPointer { buffer in
      let known = table.entries.count
      let changed = table.add(buffer, at: position)
      if table.entries.count > known, table.entries[Int(table.slots[position])].fallback != nil {
        // The first event of a type whose class may still change: keep the state before it.
        checkpoints.append(Checkpoint(position: position, state: core))
      }
      if changed, let earliest = table.inferClasses(), earliest < position {
        // A class of an event already applied changed. Nothing before `earliest` changed
        // class, so any state kept at or before it still holds: re-read from there.
        let checkpoint = checkpoints.last { $0.position <= earliest }
        let start = checkpoint?.position ?? 0
        checkpoints.removeAll { $0.position > start }
        core = checkpoint?.state ?? MachineState()
        core.fold(buffer, from: start, table: table, policy: policy)
      } else {
        core.fold(buffer, from: position, table: table, policy: policy)
      }
    }
    return nextStep
  }

  /// The state after the events applied so far.
  public var state: ThreadState {
    events.withUnsafeBufferPointer { core.threadState($0, table: table) }
  }

  /// What happens next (see ``NextStep`` for the order of the rules).
  public var nextStep: NextStep {
    if core.hasPending, core.pendingKind == .sync, let pending = pendingIntent {
      return .runTool(pending)
    }
    switch core.status {
    case .awaitingApproval: return .awaitApproval(pendingIntent ?? Intent(name: "(unknown)"))
    case .awaitingHuman: return .awaitHuman(pendingIntent ?? Intent(name: "(unknown)"))
    case .done: return .done(lastDecision ?? Intent(name: "(unknown)"))
    case .escalated: return .escalated
    case .stepLimit: return .stepLimit
    case .running: break
    }
    let streak = errorStreak
    if policy.reachesCap(streak) {
      // With escalation by model, the model had its decision at the cap; only a further
      // error forces the hand-over.
      let forced = policy.escalation == .model
      if !forced || streak > policy.errorCap {
        return .escalate(
          .init(
            intent: policy.escalationIntent, errors: streak, forced: forced,
            lastError: lastErrorMessage))
      }
    }
    if core.steps >= policy.stepBudget { return .stepLimit }
    return .decide
  }

  /// The `seq` the next event should carry.
  public var nextSeq: Int { core.nextSeq }

  /// The error streak the cap is measured against.
  public var errorStreak: Int { core.errorStreak(policy) }

  /// The error streak of `intent`'s failures (see
  /// ``ControlPolicy/errorStreak(_:byIntent:of:)``).
  public func errorStreak(of intent: String) -> Int {
    policy.errorStreak(core.consecutiveErrors, byIntent: core.consecutiveErrorsByIntent, of: intent)
  }

  /// The kind of the intent `name` (canonical) in this thread so far: declared, or inferred
  /// from the events applied; nil when an event of that type would not be a decision on it.
  public func kind(ofIntent name: String) -> IntentKind? { table.kind(ofIntent: name) }

  /// The class of event `index` (an index of ``events``), as the events applied so far tell
  /// it.
  public func eventClass(at index: Int) -> EventClass { table.publicClass(at: index) }

  /// The most recent decision, as an intent.
  public var lastDecision: Intent? {
    guard core.lastDecisionPosition >= 0 else { return nil }
    return events.withUnsafeBufferPointer {
      core.intent(at: core.lastDecisionPosition, $0, table: table)
    }
  }

  /// The message of the most recent error event, if it has one.
  public var lastErrorMessage: String? {
    guard core.lastErrorPosition >= 0 else { return nil }
    return events[core.lastErrorPosition].data["message"]?.stringValue
  }

  private var pendingIntent: Intent? {
    guard core.hasPending else { return nil }
    return events.withUnsafeBufferPointer {
      core.intent(at: core.pendingPosition, $0, table: table)
    }
  }
}
