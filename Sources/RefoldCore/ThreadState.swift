/// The state of a thread after folding its events: a value, recomputable at any step.
public struct ThreadState: Sendable, Hashable, Codable {
  public enum Status: String, Sendable, Hashable, Codable, CaseIterable {
    case running
    case awaitingHuman = "awaiting_human"
    case awaitingApproval = "awaiting_approval"
    case done
    case escalated
    case stepLimit = "step_limit"
  }

  /// A decision that is waiting for something: a tool result, an approval or a human.
  public struct Pending: Sendable, Hashable, Codable {
    public var intent: String
    public var kind: IntentKind
    public var seq: Int
    public var parameters: JSONValue

    public init(intent: String, kind: IntentKind, seq: Int, parameters: JSONValue) {
      self.intent = intent
      self.kind = kind
      self.seq = seq
      self.parameters = parameters
    }
  }

  public var status: Status
  /// Decisions made so far (the step budget counts these).
  public var steps: Int
  /// Errors since the last successful result (globally counted).
  public var consecutiveErrors: Int
  /// Errors since the last successful result, per intent (used when the policy counts per intent).
  public var consecutiveErrorsByIntent: [String: Int]
  /// The decision waiting for a result, an approval or a human, if any.
  public var pending: Pending?
  /// Decisions made, per intent.
  public var intentCounts: [String: Int]
  /// Feedback from the last denied approval, until the next decision.
  public var feedback: String?
  /// The number of events folded.
  public var eventCount: Int
  /// The `seq` the next event should carry.
  public var nextSeq: Int
  /// Where the thread broke an invariant; empty for a sound thread.
  public var violations: [InvariantViolation]

  public init(
    status: Status = .running, steps: Int = 0, consecutiveErrors: Int = 0,
    consecutiveErrorsByIntent: [String: Int] = [:], pending: Pending? = nil,
    intentCounts: [String: Int] = [:], feedback: String? = nil, eventCount: Int = 0,
    nextSeq: Int = 0, violations: [InvariantViolation] = []
  ) {
    self.status = status
    self.steps = steps
    self.consecutiveErrors = consecutiveErrors
    self.consecutiveErrorsByIntent = consecutiveErrorsByIntent
    self.pending = pending
    self.intentCounts = intentCounts
    self.feedback = feedback
    self.eventCount = eventCount
    self.nextSeq = nextSeq
    self.violations = violations
  }

  /// The state of an empty thread.
  public static let initial = ThreadState()

  /// Whether the thread folded without breaking an invariant.
  public var isSound: Bool { violations.isEmpty }

  /// Whether the thread is paused or finished, so that the agent should not be asked to decide.
  public var isSettled: Bool { status != .running }
}

/// A way a thread broke the rules; the fold records it and goes on.
public struct InvariantViolation: Sendable, Hashable, Codable, CustomStringConvertible {
  public enum Rule: String, Sendable, Hashable, Codable {
    /// `seq` skipped a number.
    case seqGap = "seq_gap"
    /// `seq` repeated or went backwards.
    case seqRepeat = "seq_repeat"
    /// An event names another thread.
    case foreignThread = "foreign_thread"
    /// An approval arrived with no decision awaiting approval.
    case approvalWithoutPending = "approval_without_pending"
    /// A tool result arrived with no call waiting for it.
    case resultWithoutCall = "result_without_call"
    /// A human response arrived while nobody was asking.
    case responseWithoutRequest = "response_without_request"
  }

  public var rule: Rule
  public var seq: Int
  public var detail: String

  public init(rule: Rule, seq: Int, detail: String) {
    self.rule = rule
    self.seq = seq
    self.detail = detail
  }

  public var description: String { "seq \(seq): \(rule.rawValue): \(detail)" }
}
