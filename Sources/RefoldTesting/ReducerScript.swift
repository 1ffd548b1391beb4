import RefoldCore
import Testing

/// Walks a thread one event at a time and asserts the whole state after each, like TCA's
/// exhaustive `TestStore`: each step states how the expected state changes, and anything the
/// reducer changed that the step did not mention fails the test with a field diff.
///
/// The script takes every event up front, but the state after each step depends on the
/// events up to it only (classes come from the events seen so far). Each step also checks
/// that the machine (`states(_:)`), `fold(_:upTo:)` and the fold of the prefix agree.
///
/// ```swift
/// var script = ReducerScript(reducer, events)
/// script.step { $0.status = .running }
/// script.step {
///   $0.steps = 1
///   $0.intentCounts = ["list_git_tags": 1]
/// }
/// script.finish()
/// ```
public struct ReducerScript {
  public let reducer: ThreadReducer
  public let events: [Event]
  private let states: [ThreadState]
  /// The state the steps so far say the reducer should be in.
  public private(set) var expected = ThreadState.initial
  private var index = 0

  /// A script over `events`, folded with `reducer`.
  public init(_ reducer: ThreadReducer = ThreadReducer(), _ events: [Event]) {
    self.reducer = reducer
    self.events = events
    self.states = reducer.states(events)
  }

  /// Folds the next event.
  ///
  /// `update` turns the previous expected state into the new one.
  /// `eventCount` and `nextSeq` advance by themselves for in-order events.
  public mutating func step(
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
  public func finish(sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(index == events.count, "events left unchecked", sourceLocation: sourceLocation)
    expectState(
      reducer.fold(events), equals: expected, "after the whole fold",
      sourceLocation: sourceLocation)
  }
}
