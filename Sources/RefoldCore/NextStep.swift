/// What a thread needs next, as a ``ThreadMachine`` works it out after each event: the
/// effect a runtime carries out (``AgentLoop`` is the interpreter), never performed by the
/// machine itself.
///
/// The order of the rules: a sync call with no result yet runs first (even at the step
/// budget, so that a decision's tool always gets its result); a paused or finished thread
/// says so; a running thread at the error cap is handed over (``ControlPolicy/Escalation``);
/// a running thread at the step budget stops; otherwise the agent decides.
public enum NextStep: Sendable, Hashable {
  /// Ask the agent for its next decision.
  case decide
  /// Run this sync call's tool and append its result (or an `error`).
  case runTool(Intent)
  /// Wait for an `approval` event on this approval-kind call.
  case awaitApproval(Intent)
  /// Wait for a `human_response` to this human-kind decision.
  case awaitHuman(Intent)
  /// The error cap is reached: append this escalation decision and wait for a human.
  case escalate(Escalation)
  /// The thread was handed to a human (by the runtime at the error cap); wait for a
  /// `human_response`.
  case escalated
  /// A terminal decision ended the thread.
  case done(Intent)
  /// The step budget is spent.
  case stepLimit

  /// The decision the runtime appends when consecutive errors reach the cap.
  public struct Escalation: Sendable, Hashable {
    /// The intent to append (the policy's ``ControlPolicy/escalationIntent``).
    public var intent: String
    /// The error streak at the hand-over.
    public var errors: Int
    /// Whether the model had its grace decision at the cap and failed again
    /// (``ControlPolicy/Escalation/model``).
    public var forced: Bool
    /// The message of the last error, if it had one.
    public var lastError: String?

    public init(intent: String, errors: Int, forced: Bool, lastError: String?) {
      self.intent = intent
      self.errors = errors
      self.forced = forced
      self.lastError = lastError
    }

    /// The decision's data: a question for the human, with high urgency.
    public var data: JSONValue {
      var question = "\(errors) consecutive errors"
      if let lastError { question += "; the last one: \(lastError)" }
      question += ". How should I proceed?"
      return ["question": .string(question), "urgency": "high"]
    }

    /// The decision's `meta`: `escalation: true`, and `forced: true` when forced.
    public var meta: JSONValue {
      forced ? ["escalation": true, "forced": true] : ["escalation": true]
    }
  }
}
