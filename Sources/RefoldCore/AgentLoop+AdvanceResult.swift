/// What one ``AgentLoop/advance(thread:events:)`` call did: the new events, the state they
/// lead to, and why the loop stopped.
public struct AdvanceResult: Sendable {
  /// Why the loop stopped.
  public enum Stop: Sendable, Hashable {
    /// An approval-kind decision waits for an `approval` event.
    case awaitingApproval(Intent)
    /// A human-kind decision waits for a `human_response` event.
    case awaitingHuman(Intent)
    /// A terminal decision ended the thread.
    case done(Intent)
    /// The thread was handed to a human (by the runtime at the error cap, or found so).
    case escalated
    /// The step budget is spent.
    case stepLimit
    /// The tool runner threw (a divergence in replay, a misconfigured tool).
    case runnerFailed(intent: Intent, message: String)
    /// The decider threw; only seen in ``AgentLoopInterrupted/partial``.
    case sourceFailed
  }

  /// The events appended by this call, in order, continuing the thread's `seq`.
  public var events: [Event]
  /// The state after all events (old and new).
  public var state: ThreadState
  public var stop: Stop
  /// The decider's answers, in order (usage, latency, raw responses for reports).
  public var decisions: [Decision]
  /// What the tool runner threw, when ``stop`` is ``Stop/runnerFailed(intent:message:)``.
  public var runnerError: (any Error)?

  public init(
    events: [Event], state: ThreadState, stop: Stop, decisions: [Decision] = [],
    runnerError: (any Error)? = nil
  ) {
    self.events = events
    self.state = state
    self.stop = stop
    self.decisions = decisions
    self.runnerError = runnerError
  }
}

/// The decider failed in the middle of ``AgentLoop/advance(thread:events:)``.
///
/// `partial` holds the events appended before the failure (a tool may already have run),
/// with stop reason ``AdvanceResult/Stop/sourceFailed``.
public struct AgentLoopInterrupted: Error, CustomStringConvertible {
  public var underlying: any Error
  public var partial: AdvanceResult

  public init(underlying: any Error, partial: AdvanceResult) {
    self.underlying = underlying
    self.partial = partial
  }

  public var description: String { String(describing: underlying) }
}
