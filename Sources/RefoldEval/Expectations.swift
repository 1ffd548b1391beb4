import RefoldCore

/// Overrides to the default expectation that every decision of a golden thread is expected
/// exactly.
///
/// Parsed from a list of entries (inline in `suite.yaml` or in an `expectations.yaml` file);
/// each entry names a thread (or a pattern with `*`) and loosens or adds checks:
///
/// ```yaml
/// - thread: deploy-001
///   steps:
///     - step: 1                       # decision index, or `seq: 5`
///       accept: [request_clarification]
///       parameters:
///         tag: {regex: "v1\\.4\\..*"}
///         environment: {one_of: [staging, production]}
///     - step: 4
///       ignore: true
///   faults:
///     - {intent: deploy_backend, fails: 2, message: connection refused}
///   behaviour: {retries_at_most: 2, escalates: false, ends_with: done_for_now, max_steps: 12}
/// ```
public struct Expectations: Sendable, Hashable {
  public var entries: [ThreadExpectation]

  public init(entries: [ThreadExpectation] = []) { self.entries = entries }

  /// No overrides: every decision expected exactly.
  public static let none = Expectations()

  /// Everything that applies to `thread`: entries whose pattern matches it, in file order
  /// (later entries win where they overlap).
  public func forThread(_ thread: String) -> ThreadExpectation {
    var merged = ThreadExpectation(thread: thread)
    for entry in entries where Expectations.matches(pattern: entry.thread, thread) {
      merged.steps += entry.steps
      merged.faults += entry.faults
      merged.behaviour.merge(entry.behaviour)
    }
    return merged
  }

  /// Whether `text` matches `pattern`, where `*` stands for any run of characters.
  public static func matches(pattern: String, _ text: String) -> Bool {
    let parts = pattern.split(separator: "*", omittingEmptySubsequences: false).map(String.init)
    guard parts.count > 1 else { return pattern == text }
    var rest = Substring(text)
    guard let first = parts.first, rest.hasPrefix(first) else { return false }
    rest = rest.dropFirst(first.count)
    for (offset, part) in parts.enumerated().dropFirst() {
      if offset == parts.count - 1 { return part.isEmpty || rest.hasSuffix(part) }
      guard !part.isEmpty else { continue }
      guard let range = rest.range(of: part) else { return false }
      rest = rest[range.upperBound...]
    }
    return true
  }
}

/// The overrides for one thread (or a pattern of threads).
public struct ThreadExpectation: Sendable, Hashable {
  /// A thread id, or a pattern with `*`.
  public var thread: String
  public var steps: [StepExpectation]
  public var faults: [ToolFault]
  public var behaviour: BehaviourExpectation

  public init(
    thread: String, steps: [StepExpectation] = [], faults: [ToolFault] = [],
    behaviour: BehaviourExpectation = BehaviourExpectation()
  ) {
    self.thread = thread
    self.steps = steps
    self.faults = faults
    self.behaviour = behaviour
  }

  /// The override for decision `step` whose event has `seq`, if any (the last one wins).
  public func step(_ step: Int, seq: Int) -> StepExpectation? {
    steps.last { expectation in
      switch expectation.selector {
      case .step(let index): return index == step
      case .seq(let value): return value == seq
      }
    }
  }
}

/// Overrides for one decision of a golden thread.
public struct StepExpectation: Sendable, Hashable {
  /// Which decision: its index among the thread's decisions (0-based), or its event's `seq`.
  public enum Selector: Sendable, Hashable {
    case step(Int)
    case seq(Int)
  }

  public var selector: Selector
  /// Matchers by parameter path (`tag`, `config.replicas`, `services[1]`, `$`).
  public var parameters: [String: ParameterMatcher]
  /// Other intents that also count as right at this point (their parameters are not compared).
  public var acceptedIntents: [String]
  /// Drop this decision from scoring.
  public var ignore: Bool

  public init(
    selector: Selector, parameters: [String: ParameterMatcher] = [:],
    acceptedIntents: [String] = [], ignore: Bool = false
  ) {
    self.selector = selector
    self.parameters = parameters
    self.acceptedIntents = acceptedIntents
    self.ignore = ignore
  }
}

/// A scripted tool failure for loop mode: the first `fails` calls of `intent` (whose
/// parameters contain `parameters`, when given) fail with `message` before the recording
/// answers.
public struct ToolFault: Sendable, Hashable {
  public var intent: String
  public var fails: Int
  public var message: String
  public var parameters: JSONValue?

  public init(intent: String, fails: Int, message: String, parameters: JSONValue? = nil) {
    self.intent = intent
    self.fails = fails
    self.message = message
    self.parameters = parameters
  }

  /// Whether a call is one this fault applies to.
  public func applies(to call: Intent) -> Bool {
    guard call.name == intent else { return false }
    guard let parameters else { return true }
    return ParameterMatcher.contains(call.parameters, parameters)
  }
}

/// What a closed-loop run is expected to do; unset fields are not checked.
public struct BehaviourExpectation: Sendable, Hashable {
  /// At most this many retries (decisions right after an error that repeat the failed intent).
  public var retriesAtMost: Int?
  /// Whether the run hands over to a human.
  public var escalates: Bool?
  /// The last decision's intent, or a final status (`done`, `escalated`, `awaiting_human`, …).
  public var endsWith: String?
  /// At most this many decisions.
  public var maxSteps: Int?

  public init(
    retriesAtMost: Int? = nil, escalates: Bool? = nil, endsWith: String? = nil,
    maxSteps: Int? = nil
  ) {
    self.retriesAtMost = retriesAtMost
    self.escalates = escalates
    self.endsWith = endsWith
    self.maxSteps = maxSteps
  }

  /// Whether nothing is set.
  public var isEmpty: Bool {
    retriesAtMost == nil && escalates == nil && endsWith == nil && maxSteps == nil
  }

  mutating func merge(_ other: BehaviourExpectation) {
    retriesAtMost = other.retriesAtMost ?? retriesAtMost
    escalates = other.escalates ?? escalates
    endsWith = other.endsWith ?? endsWith
    maxSteps = other.maxSteps ?? maxSteps
  }
}
