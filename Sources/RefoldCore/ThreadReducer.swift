/// The stateless reducer: `state = events.reduce(into: .initial, reduce)` (factor 12), as the
/// vocabulary and policy a ``ThreadMachine`` applies.
///
/// Pure and total: it never traps and never does I/O. A thread that breaks an invariant (a
/// gap in `seq`, an approval with nothing pending) folds to a state whose `violations` say so.
/// The state after `k` events depends on those events only: `fold(events, upTo: k)` is
/// `fold(Array(events.prefix(k)))`.
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
  private(set) var typeCache = TypeClassCache()

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

  /// The state after the first `count` events (`--at N`), which are all it depends on.
  public func fold(_ events: [Event], upTo count: Int) -> ThreadState {
    let end = min(max(0, count), events.count)
    // Events are read in place through a pointer: copying one retains all of its fields.
    return events.withUnsafeBufferPointer { whole in
      let buffer = UnsafeBufferPointer(rebasing: whole[..<end])
      let table = ClassTable(buffer, vocabulary: vocabulary, snapshot: typeCache.snapshot)
      if !table.learned.isEmpty { typeCache.remember(table.learned) }
      var state = MachineState()
      state.fold(buffer, table: table, policy: policy)
      return state.threadState(buffer, table: table)
    }
  }

  /// The class of each event, as ``Vocabulary/classify(_:)`` gives them, with the types
  /// this reducer has met already looked up rather than classified again.
  public func classify(_ events: [Event]) -> [EventClass] {
    events.withUnsafeBufferPointer { buffer in
      let table = ClassTable(buffer, vocabulary: vocabulary, snapshot: typeCache.snapshot)
      if !table.learned.isEmpty { typeCache.remember(table.learned) }
      return buffer.indices.map { table.publicClass(at: $0) }
    }
  }

  /// The state after each event: `states[k]` is `fold(events, upTo: k + 1)`.
  public func states(_ events: [Event]) -> [ThreadState] {
    var machine = ThreadMachine(self)
    return events.map { event in
      machine.apply(event)
      return machine.state
    }
  }

  /// A machine that has applied `events`.
  public func machine(_ events: [Event] = []) -> ThreadMachine {
    ThreadMachine(self, events: events)
  }

  /// Whether the error streak of `state` has reached the policy's cap.
  public func errorCapReached(_ state: ThreadState) -> Bool {
    policy.reachesCap(
      policy.errorStreak(state.consecutiveErrors, byIntent: state.consecutiveErrorsByIntent))
  }

  /// The intent an error is counted under when it names none and nothing was pending
  /// (undecodable model output).
  public static let undecodableIntent = "(undecodable)"

  /// The parameters of a decision event: `data`, or `data.parameters`/`data.arguments` for a
  /// generic `tool_call`.
  public func parameters(of event: Event) -> JSONValue {
    MachineState.parameters(
      of: event, isToolCall: vocabulary.canonicalType(event.type) == "tool_call")
  }
}
