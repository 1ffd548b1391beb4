import RefoldCore

/// A golden thread with its decision points found: what the model decided, where, and in
/// what situation (after an error, how many errors in a row).
///
/// A decision point is an event the vocabulary classifies as a decision, except runtime
/// escalations (`meta.escalation: true`): those were appended by the runtime, not asked of
/// the model, so they are neither replayed nor scored. `step` numbers the model's decisions
/// from 0 in thread order.
public struct GoldenThread: Sendable, Hashable {
  public var id: String
  public var events: [Event]
  public var decisions: [DecisionPoint]
  /// The state after the whole thread.
  public var finalState: ThreadState

  public init(events: [Event], reducer: ThreadReducer) {
    self.id = events.first?.thread ?? ""
    self.events = events
    let classes = reducer.classify(events)
    var machine = reducer.machine()
    var points: [DecisionPoint] = []
    // By index, not by element: an event is borrowed from the array, not copied.
    for index in events.indices {
      if case .decision(let name, let kind) = classes[index], !events[index].isEscalation {
        let failed = GoldenThread.failedCall(
          before: index, events: events, classes: classes, reducer: reducer, machine: machine)
        points.append(
          DecisionPoint(
            step: points.count, eventIndex: index, seq: events[index].seq,
            intent: Intent(name: name, parameters: reducer.parameters(of: events[index])),
            kind: kind, stateBefore: machine.state, failedCall: failed))
      }
      machine.apply(events[index])
    }
    self.decisions = points
    self.finalState = machine.state
  }

  /// The events before the first decision point (the trigger a loop run starts from).
  public var trigger: [Event] {
    guard let first = decisions.first else { return events }
    return Array(events[..<first.eventIndex])
  }

  /// The last model decision's intent, if any.
  public var lastDecision: Intent? { decisions.last?.intent }

  /// The failed call a decision point follows, when the event right before it (ignoring
  /// events of kind `other`) is an error; `machine` has applied the events before it.
  static func failedCall(
    before index: Int, events: [Event], classes: [EventClass], reducer: ThreadReducer,
    machine: ThreadMachine
  ) -> FailedCall? {
    var cursor = index - 1
    while cursor >= 0, classes[cursor] == .other { cursor -= 1 }
    guard cursor >= 0, classes[cursor] == .error else { return nil }
    let error = events[cursor]
    let message = error.data["message"]?.stringValue ?? error.data.canonicalString
    let named = error.data["intent"]?.stringValue.map(reducer.vocabulary.canonicalType)
    var call: Intent?
    if let named {
      var search = cursor - 1
      while search >= 0 {
        if case .decision(let name, _) = classes[search], name == named {
          call = Intent(name: name, parameters: reducer.parameters(of: events[search]))
          break
        }
        search -= 1
      }
      if call == nil { call = Intent(name: named) }
    }
    let errors = machine.errorStreak(of: named ?? ThreadReducer.undecodableIntent)
    return FailedCall(call: call, message: message, consecutiveErrors: errors)
  }
}

/// One decision of a golden thread, and the situation it was made in.
public struct DecisionPoint: Sendable, Hashable {
  /// The index among the thread's model decisions, from 0.
  public var step: Int
  /// The decision's index in the thread's events: `events[0..<eventIndex]` is its context.
  public var eventIndex: Int
  public var seq: Int
  public var intent: Intent
  public var kind: IntentKind
  /// The state just before the decision.
  public var stateBefore: ThreadState
  /// The error this decision answers, when it comes right after one.
  public var failedCall: FailedCall?
}

/// The call an error reported, as seen from the decision after it.
public struct FailedCall: Sendable, Hashable {
  /// The failed call (nil when the error was undecodable model output).
  public var call: Intent?
  public var message: String
  /// Consecutive errors at this point (for the failed intent when the policy counts per
  /// intent).
  public var consecutiveErrors: Int
}
