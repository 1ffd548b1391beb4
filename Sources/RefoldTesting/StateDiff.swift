import RefoldCore
import Testing

/// Field-by-field differences between two thread states, for readable test failures.
public enum StateDiff {
  /// One line per differing field: `field: expected … , actual …`; empty when equal.
  public static func lines(expected: ThreadState, actual: ThreadState) -> [String] {
    var lines: [String] = []
    func compare<Value: Equatable>(_ name: String, _ a: Value, _ b: Value) {
      if a != b { lines.append("  \(name):\n    − expected \(a)\n    + actual   \(b)") }
    }
    compare("status", expected.status.rawValue, actual.status.rawValue)
    compare("steps", expected.steps, actual.steps)
    compare("consecutiveErrors", expected.consecutiveErrors, actual.consecutiveErrors)
    compare(
      "consecutiveErrorsByIntent", describe(expected.consecutiveErrorsByIntent),
      describe(actual.consecutiveErrorsByIntent))
    compare("pending", describe(expected.pending), describe(actual.pending))
    compare("intentCounts", describe(expected.intentCounts), describe(actual.intentCounts))
    compare(
      "feedback", expected.feedback.map { "\"\($0)\"" } ?? "nil",
      actual.feedback.map { "\"\($0)\"" } ?? "nil")
    compare("eventCount", expected.eventCount, actual.eventCount)
    compare("nextSeq", expected.nextSeq, actual.nextSeq)
    compare(
      "violations", expected.violations.map(\.description), actual.violations.map(\.description))
    return lines
  }

  /// Counts by name, sorted: `[deploy_backend: 1, list_git_tags: 2]`.
  public static func describe(_ counts: [String: Int]) -> String {
    "[" + counts.keys.sorted().map { "\($0): \(counts[$0, default: 0])" }.joined(separator: ", ")
      + "]"
  }

  /// A pending intent: `deploy_backend (approval) at seq 3 {…}`, or `nil`.
  public static func describe(_ pending: ThreadState.Pending?) -> String {
    guard let pending else { return "nil" }
    return "\(pending.intent) (\(pending.kind.rawValue)) at seq \(pending.seq) "
      + pending.parameters.canonicalString
  }
}

/// Records an issue listing every differing field when `actual` is not `expected`.
public func expectState(
  _ actual: ThreadState, equals expected: ThreadState, _ context: String = "",
  sourceLocation: SourceLocation = #_sourceLocation
) {
  guard actual != expected else { return }
  let lines = StateDiff.lines(expected: expected, actual: actual)
  let heading = context.isEmpty ? "State differs" : "State differs \(context)"
  Issue.record(
    Comment(rawValue: ([heading + ":"] + lines).joined(separator: "\n")),
    sourceLocation: sourceLocation)
}
