import Foundation
import RefoldCore
import RefoldShared

/// Writes `junit.xml`: one `<testsuite>` per thread, one `<testcase>` per decision or loop run.
///
/// The shape is the common JUnit one (Jenkins/Surefire `junit-10.xsd`) that CI systems read:
/// `testsuites > testsuite(name, tests, failures, errors, skipped, time, timestamp) >
/// testcase(name, classname, time) > failure(message, type)`. Cases whose model source
/// failed are `<error>`s, not failures. Every string is XML-escaped; characters XML 1.0
/// forbids are written as `\u{…}` text.
public struct JUnitReportWriter: Sendable {
  public static let fileName = "junit.xml"

  public init() {}

  /// Writes `junit.xml` for the variants of one evaluation into `directory` atomically.
  /// - Returns: the path written.
  @discardableResult
  public func write(_ results: RunResults, to directory: String) throws -> String {
    try write(variants: [results], to: directory)
  }

  /// Writes `junit.xml` with the suites of every variant.
  /// - Returns: the path written.
  @discardableResult
  public func write(variants runs: [RunResults], to directory: String) throws -> String {
    try ReportFile.write(render(variants: runs), named: JUnitReportWriter.fileName, in: directory)
  }

  /// The XML document.
  public func render(variants runs: [RunResults]) -> String {
    var suites: [String] = []
    var totals = (tests: 0, failures: 0, errors: 0, time: 0.0)
    for results in runs {
      var byThread: [String: [CaseResult]] = [:]
      var order: [String] = []
      for result in results.cases {
        if byThread[result.thread] == nil { order.append(result.thread) }
        byThread[result.thread, default: []].append(result)
      }
      for thread in order {
        let cases = byThread[thread] ?? []
        let failures = cases.filter { !$0.passed && !JUnitReportWriter.isError($0) }.count
        let errors = cases.filter(JUnitReportWriter.isError).count
        let time = cases.reduce(0.0) { $0 + ($1.latencyMilliseconds ?? 0) / 1000 }
        totals.tests += cases.count
        totals.failures += failures
        totals.errors += errors
        totals.time += time
        let classname = "refold.\(results.run.suite).\(results.run.variant).\(thread)"
        var xml = "  <testsuite name=\"\(Escaping.xml(classname))\" tests=\"\(cases.count)\" "
        xml += "failures=\"\(failures)\" errors=\"\(errors)\" skipped=\"0\" "
        xml += "time=\"\(JUnitReportWriter.seconds(time))\" "
        xml +=
          "timestamp=\"\(Escaping.xml(JUnitReportWriter.timestamp(results.run.startedAt)))\">\n"
        for result in cases {
          xml += testcase(result, classname: classname)
        }
        xml += "  </testsuite>\n"
        suites.append(xml)
      }
    }
    let name = runs.first.map { "refold.\($0.run.suite)" } ?? "refold"
    var document = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    document += "<testsuites name=\"\(Escaping.xml(name))\" tests=\"\(totals.tests)\" "
    document += "failures=\"\(totals.failures)\" errors=\"\(totals.errors)\" "
    document += "time=\"\(JUnitReportWriter.seconds(totals.time))\">\n"
    document += suites.joined()
    document += "</testsuites>\n"
    return document
  }

  /// The test case name: `step 3 (seq 7): deploy_backend`, `loop run: deploy-001`.
  public static func testName(_ result: CaseResult) -> String {
    if result.mode == "loop" { return "loop run: \(result.thread)" }
    var name = "step \(result.step.map(String.init) ?? "?")"
    if let seq = result.seq { name += " (seq \(seq))" }
    return name + ": " + (result.expected?.name ?? result.id)
  }

  static func isError(_ result: CaseResult) -> Bool { result.verdict == .sourceError }

  func testcase(_ result: CaseResult, classname: String) -> String {
    let time = JUnitReportWriter.seconds((result.latencyMilliseconds ?? 0) / 1000)
    var xml = "    <testcase name=\"\(Escaping.xml(JUnitReportWriter.testName(result)))\" "
    xml += "classname=\"\(Escaping.xml(classname))\" time=\"\(time)\""
    guard !result.passed else { return xml + "/>\n" }
    xml += ">\n"
    let element = JUnitReportWriter.isError(result) ? "error" : "failure"
    xml += "      <\(element) message=\"\(Escaping.xml(JUnitReportWriter.message(result)))\" "
    xml += "type=\"\(result.verdict.rawValue)\">"
    xml += Escaping.xml(JUnitReportWriter.details(result))
    xml += "</\(element)>\n    </testcase>\n"
    return xml
  }

  /// A one-line failure message.
  static func message(_ result: CaseResult) -> String {
    switch result.verdict {
    case .pass: return "passed"
    case .wrongIntent:
      return "expected \(result.expected?.name ?? "?"), got \(result.actual?.name ?? "nothing")"
    case .wrongParameters:
      let paths = (result.parameterDiff ?? []).map(\.path).joined(separator: ", ")
      return "\(result.expected?.name ?? "?"): wrong parameters (\(paths))"
    case .invalidOutput, .sourceError:
      return result.failure ?? result.verdict.rawValue
    case .behaviourFailed:
      let failed = (result.behaviour?.checks ?? []).filter { !$0.passed }.map(\.name)
      return "behaviour failed: " + failed.joined(separator: ", ")
    case .diverged:
      return "diverged at step \(result.behaviour?.divergence?.step ?? 0)"
    }
  }

  /// The failure's text: expected against actual and the parameter diff.
  static func details(_ result: CaseResult) -> String {
    var lines: [String] = ["case \(result.id)"]
    if let expected = result.expected {
      lines.append("expected: \(expected.name) \(expected.parameters.canonicalString)")
    }
    if let accepted = result.accepted, !accepted.isEmpty {
      lines.append("also accepted: \(accepted.joined(separator: ", "))")
    }
    if let actual = result.actual {
      lines.append("actual:   \(actual.name) \(actual.parameters.canonicalString)")
    }
    if let failure = result.failure { lines.append("failure: \(failure)") }
    for difference in result.parameterDiff ?? [] {
      lines.append(
        "- \(difference.path): expected \(difference.expected?.canonicalString ?? "(absent)"), "
          + "got \(difference.actual?.canonicalString ?? "(absent)") [\(difference.matcher)] "
          + difference.reason)
    }
    if let behaviour = result.behaviour {
      lines.append(
        "loop: \(behaviour.steps) steps, final status \(behaviour.finalStatus.rawValue), "
          + "\(behaviour.retries) retries, escalated \(behaviour.escalated)")
      for check in behaviour.checks {
        lines.append("\(check.passed ? "✓" : "✗") \(check.name): \(check.detail)")
      }
      if let divergence = behaviour.divergence {
        lines.append(
          "diverged at step \(divergence.step): \(divergence.actual.name) "
            + divergence.actual.parameters.canonicalString)
        for difference in divergence.parameterDiff {
          lines.append("- \(difference.path): \(difference.reason)")
        }
      }
    }
    return lines.joined(separator: "\n")
  }

  static func seconds(_ value: Double) -> String { String(format: "%.3f", max(0, value)) }

  /// The run's start as the `xs:dateTime` without zone that junit-10.xsd asks for.
  static func timestamp(_ rfc3339: String) -> String {
    var text = rfc3339
    if text.hasSuffix("Z") { text.removeLast() }
    if let dot = text.firstIndex(of: ".") { text = String(text[..<dot]) }
    if text.count > 19 { text = String(text.prefix(19)) }
    return text
  }
}
