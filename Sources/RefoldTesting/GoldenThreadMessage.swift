import RefoldCore
import RefoldShared

/// The text of a failing case's issue: the case, expected against actual, and the diff.
enum GoldenThreadMessage {
  /// `deploy-001#2: wrong_parameters: expected deploy_backend {…}, got deploy_backend {…}`,
  /// then one line per differing parameter.
  static func describe(_ result: CaseResult, variant: String?) -> String {
    let name = variant.map { "\(result.id) (\($0))" } ?? result.id
    var lines = ["\(name): \(result.verdict.rawValue)"]
    if let expected = result.expected ?? result.behaviour?.divergence?.expected {
      lines[0] += ": expected \(describe(expected))"
      let actual = result.actual ?? result.behaviour?.divergence?.actual
      lines[0] += ", got " + (actual.map(describe) ?? "no intent")
    }
    if let failure = result.failure { lines.append("  \(failure)") }
    let differences = result.parameterDiff ?? result.behaviour?.divergence?.parameterDiff ?? []
    for difference in differences {
      lines.append(
        "  \(difference.path): expected \(difference.expected?.canonicalString ?? "nothing"), "
          + "actual \(difference.actual?.canonicalString ?? "nothing") "
          + "(\(difference.matcher): \(difference.reason))")
    }
    for check in result.behaviour?.checks ?? [] where !check.passed {
      lines.append("  \(check.name): \(check.detail)")
    }
    return lines.joined(separator: "\n")
  }

  static func describe(_ intent: Intent) -> String {
    "\(intent.name) \(intent.parameters.canonicalString)"
  }
}
