import Foundation
import RefoldCore
import RefoldShared

/// Writes `junit.xml`: the gate's checks as test cases, and every decision or loop run for
/// drill-down.
///
/// The shape is the common JUnit one (Jenkins/Surefire `junit-10.xsd`) that CI systems read:
/// `testsuites > testsuite(name, tests, failures, errors, skipped, time, timestamp) >
/// testcase(name, classname, time) > failure|error|skipped`. Each variant has a
/// `refold.<suite>.<variant>.gate` suite with one test case per gate check: a threshold or
/// regression check that failed is a `<failure>`, one not evaluated (0/0) is `<skipped>`,
/// and source errors are an `<error>`, so the file fails exactly when the gate does. Its
/// `time` is the run's own wall time. Then one suite per thread holds its cases: by default
/// a failing case is `<skipped>` (its message says it failed, its details are in
/// `<system-out>`), so a CI test tab does not turn red while the gate passes; with
/// ``failingCases`` (`--junit-cases`) it is a `<failure>` (an `<error>` for a source
/// error). Every string is XML-escaped; characters XML 1.0 forbids are written as
/// `\u{…}` text.
public struct JUnitReportWriter: Sendable {
  public static let fileName = "junit.xml"

  /// Every failing case is a failure, not only the gate's checks.
  public var failingCases: Bool

  public init(failingCases: Bool = false) {
    self.failingCases = failingCases
  }

  /// Writes `junit.xml` for the variants of one evaluation into `directory` atomically.
  /// - Returns: the path written.
  @discardableResult
  public func write(_ results: RunResults, to directory: String) throws -> String {
    try write(variants: [results], to: directory)
  }

  /// Writes `junit.xml` with the suites of every variant, a suite at a time: the document is
  /// never held whole.
  /// - Returns: the path written.
  /// - Throws: ``ReportError/cannotWrite(path:reason:)``; the file is then unchanged.
  @discardableResult
  public func write(variants runs: [RunResults], to directory: String) throws -> String {
    let path = (directory as NSString).appendingPathComponent(JUnitReportWriter.fileName)
    do {
      try AtomicFile.write(to: path) { sink in
        var buffer: [UInt8] = []
        try render(variants: runs) { piece in
          buffer += piece.utf8
          if buffer.count >= 1 << 16 {
            try sink(Data(buffer))
            buffer.removeAll(keepingCapacity: true)
          }
        }
        try sink(Data(buffer))
      }
    } catch let failure as AtomicFile.Failure {
      throw ReportError.cannotWrite(path: failure.path, reason: failure.reason)
    }
    return path
  }

  /// The XML document.
  ///
  /// - Throws: ``ReportError`` when a spool file cannot be written.
  public func render(variants runs: [RunResults]) throws -> String {
    var document = ""
    try render(variants: runs) { document += $0 }
    return document
  }

  /// Writes the document for whole runs: their threads through the same builder an
  /// evaluation streams them into.
  func render(variants runs: [RunResults], into output: (String) throws -> Void) throws {
    let builder = JUnitReportBuilder(writer: self, runs: runs.map(\.run))
    defer { builder.abandon() }
    for (index, results) in runs.enumerated() {
      for thread in ThreadCases.split(results) { try builder.add(variant: index, thread) }
    }
    try builder.finish(runs) { try output(String(decoding: $0, as: UTF8.self)) }
  }

  /// A run's gate suite: one test case per gate check, and its counts.
  func gateSuite(_ results: RunResults) -> (
    xml: String, tests: Int, failures: Int, errors: Int, skipped: Int
  ) {
    let timestamp = Escaping.xml(JUnitReportWriter.timestamp(results.run.startedAt))
    let wallTime = JUnitReportWriter.wallTime(results.run)
    let gate = GateView.gate(of: results)
    let gateName = "refold.\(results.run.suite).\(results.run.variant).gate"
    var gateCounts = (failures: 0, errors: 0, skipped: 0)
    var gateCases = ""
    for check in gate.checks {
      var xml = "    <testcase name=\"\(Escaping.xml(GateView.title(check)))\" "
      xml += "classname=\"\(Escaping.xml(gateName))\" time=\"0.000\""
      let message = Escaping.xml(check.detail)
      if !check.evaluated {
        gateCounts.skipped += 1
        xml += ">\n      <skipped message=\"\(message)\"/>\n    </testcase>\n"
      } else if check.passed {
        xml += "/>\n"
      } else {
        let element = check.name == GateCheck.sourceErrorsName ? "error" : "failure"
        if element == "error" { gateCounts.errors += 1 } else { gateCounts.failures += 1 }
        xml += ">\n      <\(element) message=\"\(message)\" type=\"\(Escaping.xml(check.name))\">"
        xml += message + "</\(element)>\n    </testcase>\n"
      }
      gateCases += xml
    }
    var gateSuite =
      "  <testsuite name=\"\(Escaping.xml(gateName))\" tests=\"\(gate.checks.count)\" "
    gateSuite += "failures=\"\(gateCounts.failures)\" errors=\"\(gateCounts.errors)\" "
    gateSuite +=
      "skipped=\"\(gateCounts.skipped)\" time=\"\(JUnitReportWriter.seconds(wallTime))\" "
    gateSuite += "timestamp=\"\(timestamp)\">\n"
    gateSuite += "    <properties><property name=\"verdict\" value=\"\(gate.verdict.rawValue)\"/>"
    // The judge against people's labels, when the run checked it: how far to trust the
    // judged rates the cases below carry.
    if let calibration = results.summary.judgeCalibration {
      gateSuite += "<property name=\"judge_agreement\" value=\""
      gateSuite += Escaping.xml(JudgedView.sentence(calibration)) + "\"/>"
      for label in calibration.disagreements {
        gateSuite += "<property name=\"judge_disagreement\" value=\""
        gateSuite += Escaping.xml(JudgedView.disagreement(label)) + "\"/>"
      }
    }
    gateSuite += "</properties>\n"
    gateSuite += gateCases + "  </testsuite>\n"
    return (
      gateSuite, gate.checks.count, gateCounts.failures, gateCounts.errors, gateCounts.skipped
    )
  }

  /// What one case adds to its suite's counts: a failing case is a failure or an error with
  /// ``failingCases``, skipped without.
  func caseCounts(_ result: CaseResult) -> (failures: Int, errors: Int, skipped: Int) {
    guard !result.passed else { return (0, 0, 0) }
    guard failingCases else { return (0, 0, 1) }
    return JUnitReportWriter.isError(result) ? (0, 1, 0) : (1, 0, 0)
  }

  /// The run's own wall time in seconds: as measured, else from its start to its finish (0
  /// when either cannot be read).
  static func wallTime(_ run: RunInfo) -> Double {
    if let measured = run.wallSeconds { return max(0, measured) }
    guard let started = date(run.startedAt), let finished = date(run.finishedAt) else {
      return 0
    }
    return max(0, finished.timeIntervalSince(started))
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
    var xml = "    <testcase name=\"\(Escaping.xml(JUnitReportWriter.testName(result)))\" "
    xml += "classname=\"\(Escaping.xml(classname))\" time=\"0.000\""
    guard !result.passed else {
      // A passing case keeps what the judge said about its judged parameters.
      guard let judged = result.judged, !judged.isEmpty else { return xml + "/>\n" }
      let lines = judged.map(JUnitReportWriter.judgedLine).joined(separator: "\n")
      return xml + ">\n      <system-out>\(Escaping.xml(lines))</system-out>\n    </testcase>\n"
    }
    xml += ">\n"
    let message = Escaping.xml(JUnitReportWriter.message(result))
    let details = Escaping.xml(JUnitReportWriter.details(result))
    guard failingCases else {
      xml += "      <skipped message=\"case \(Escaping.xml(result.verdict.rawValue)) "
      xml += "(drill-down, not a gate check): \(message)\"/>\n"
      xml += "      <system-out>\(details)</system-out>\n    </testcase>\n"
      return xml
    }
    let element = JUnitReportWriter.isError(result) ? "error" : "failure"
    xml += "      <\(element) message=\"\(message)\" "
    xml += "type=\"\(result.verdict.rawValue)\">"
    xml += details
    xml += "</\(element)>\n    </testcase>\n"
    return xml
  }

  /// One judged parameter: `judged message [judge] passed: It names staging.`,
  /// `judged message [similar] failed: similarity 0.62 (min 0.85)`.
  static func judgedLine(_ judged: JudgedParameter) -> String {
    var line = "judged \(judged.path) [\(judged.matcher)] \(judged.passed ? "passed" : "failed")"
    if let score = judged.score {
      line += ": similarity \(score)" + (judged.minimum.map { " (min \($0))" } ?? "")
    } else if let reason = judged.reason {
      line += ": " + reason
    }
    return line
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
    lines += (result.judged ?? []).map(judgedLine)
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

  /// An RFC 3339 timestamp, with or without fractional seconds.
  static func date(_ text: String) -> Date? {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    if let date = formatter.date(from: text) { return date }
    formatter.formatOptions = [.withInternetDateTime]
    return formatter.date(from: text)
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
