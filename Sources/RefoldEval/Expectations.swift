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
/// - thread: "*"
///   intents:                          # matchers for every decision of an intent
///     done_for_now: {message: any}
/// ```
public struct Expectations: Sendable, Hashable {
  public var entries: [ThreadExpectation]
  /// Every thread, step, intent and ending the entries name, with its line (filled by
  /// parsing; empty for expectations built in code).
  public var references: [ExpectationReference]

  public init(entries: [ThreadExpectation] = [], references: [ExpectationReference] = []) {
    self.entries = entries
    self.references = references
  }

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
      for (intent, matchers) in entry.intents {
        merged.intents[intent, default: [:]].merge(matchers) { _, later in later }
      }
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
