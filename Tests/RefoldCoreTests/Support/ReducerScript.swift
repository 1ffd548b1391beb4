import Testing

@testable import RefoldCore

/// Walks a thread one event at a time and asserts the whole state after each, like TCA's
/// exhaustive `TestStore`: each step states how the expected state changes, and anything the
/// reducer changed that the step did not mention fails the test with a field diff.
///
/// The script takes every event up front, but the state after each step depends on the
/// events up to it only (classes come from the events seen so far). Each step also checks
/// that the machine (`states(_:)`), `fold(_:upTo:)` and the fold of the prefix agree.
struct ReducerScript {
  let reducer: ThreadReducer
  let events: [Event]
  private let states: [ThreadState]
  private(set) var expected = ThreadState.initial
  private var index = 0

  init(_ reducer: ThreadReducer = ThreadReducer(), _ events: [Event]) {
    self.reducer = reducer
    self.events = events
    self.states = reducer.states(events)
  }

  /// Folds the next event.
  ///
  /// `update` turns the previous expected state into the new one.
  /// `eventCount` and `nextSeq` advance by themselves for in-order events.
  mutating func step(
    _ update: (inout ThreadState) -> Void = { _ in },
    sourceLocation: SourceLocation = #_sourceLocation
  ) {
    guard index < events.count else {
      Issue.record("No event left to fold", sourceLocation: sourceLocation)
      return
    }
    let event = events[index]
    expected.eventCount += 1
    expected.nextSeq = max(expected.nextSeq, event.seq + 1)
    update(&expected)
    let context = "after seq \(event.seq) (\(event.type))"
    expectState(states[index], equals: expected, context, sourceLocation: sourceLocation)
    expectState(
      reducer.fold(events, upTo: index + 1), equals: states[index],
      "fold(upTo:) vs states "
        + context, sourceLocation: sourceLocation)
    expectState(
      reducer.fold(Array(events.prefix(index + 1))), equals: states[index],
      "fold of the prefix vs states " + context, sourceLocation: sourceLocation)
    index += 1
  }

  /// Asserts every event was stepped through and the full fold matches the last state.
  func finish(sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(index == events.count, "events left unchecked", sourceLocation: sourceLocation)
    expectState(
      reducer.fold(events), equals: expected, "after the whole fold",
      sourceLocation: sourceLocation)
  }
}

/// Builds the events of one thread with consecutive `seq` numbers.
struct ThreadBuilder {
  var thread: String
  private(set) var events: [Event] = []

  init(_ thread: String = "t") { self.thread = thread }

  /// Appends an event at the next `seq`.
  @discardableResult
  mutating func add(_ type: String, _ data: JSONValue = [:], meta: JSONValue? = nil) -> Event {
    let event = Event(thread: thread, seq: events.count, type: type, data: data, meta: meta)
    events.append(event)
    return event
  }

  /// Appends an event with an explicit `seq` or thread, to break invariants on purpose.
  mutating func raw(_ type: String, seq: Int, thread: String? = nil, _ data: JSONValue = [:]) {
    events.append(Event(thread: thread ?? self.thread, seq: seq, type: type, data: data))
  }
}

/// The deploy-bot domain's vocabulary and policy (intents and kinds of the brief).
enum DeployBot {
  static let intents: [String: IntentKind] = [
    "list_git_tags": .sync,
    "deploy_backend": .approval,
    "deploy_frontend": .approval,
    "rollback_backend": .approval,
    "check_deployment_status": .sync,
    "run_smoke_tests": .sync,
    "request_clarification": .human,
    "request_human_input": .human,
    "done_for_now": .terminal,
  ]
  static let vocabulary = Vocabulary(intents: intents)
  static let policy = ControlPolicy(errorCap: 3, stepBudget: 20)
  static let reducer = ThreadReducer(vocabulary: vocabulary, policy: policy)
}
