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
  public var entries: [ThreadExpectation] {
    didSet { index = Index(entries) }
  }
  /// Every thread, step, intent and ending the entries name, with its line (filled by
  /// parsing; empty for expectations built in code).
  public var references: [ExpectationReference]
  /// The entries by thread name, built with them.
  private var index: Index

  public init(entries: [ThreadExpectation] = [], references: [ExpectationReference] = []) {
    self.entries = entries
    self.references = references
    index = Index(entries)
  }

  /// No overrides: every decision expected exactly.
  public static let none = Expectations()

  /// Everything that applies to `thread`: entries whose pattern matches it, in file order
  /// (later entries win where they overlap).
  ///
  /// One hash lookup for the entries that name the thread exactly, one match for each
  /// entry with a pattern; the patterns are compiled once, with the entries.
  public func forThread(_ thread: String) -> ThreadExpectation {
    var merged = ThreadExpectation(thread: thread)
    for position in index.positions(for: thread) {
      let entry = entries[position]
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
    ThreadPattern(pattern).matches(text)
  }

  public static func == (left: Expectations, right: Expectations) -> Bool {
    left.entries == right.entries && left.references == right.references
  }

  public func hash(into hasher: inout Hasher) {
    hasher.combine(entries)
    hasher.combine(references)
  }

  /// Where the entries for a thread are: exact names hashed, patterns compiled.
  private struct Index: Sendable {
    var exact: [String: [Int]] = [:]
    var patterns: [(position: Int, pattern: ThreadPattern)] = []

    init(_ entries: [ThreadExpectation]) {
      for (position, entry) in entries.enumerated() {
        let pattern = ThreadPattern(entry.thread)
        if pattern.isExact {
          exact[entry.thread, default: []].append(position)
        } else {
          patterns.append((position, pattern))
        }
      }
    }

    /// The positions of the entries matching `thread`, in file order.
    func positions(for thread: String) -> [Int] {
      let named = exact[thread] ?? []
      let matched = patterns.lazy.filter { $0.pattern.matches(thread) }.map(\.position)
      if matched.isEmpty { return named }
      if named.isEmpty { return Array(matched) }
      return (named + matched).sorted()
    }
  }
}
