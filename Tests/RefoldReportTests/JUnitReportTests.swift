import Foundation
import RefoldCore
import RefoldShared
import Testing

@testable import RefoldReport

@Suite("junit.xml")
struct JUnitReportTests {
  @Test("junit.xml has the JUnit shape and the run's counts, checked by an independent parser")
  func structureAndCounts() throws {
    let directory = try Scripts.temporaryDirectory("junit")
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let threads = DeployBotRuns.threads(count: 30, hostile: true)
    var results = DeployBotRuns.run(
      id: "junit", threads: threads, errorRate: 0.3, seed: 21, loopRuns: 5)
    let failing = try #require(results.cases.firstIndex { !$0.passed && $0.mode == "step" })
    results.cases[failing].verdict = .sourceError
    results.cases[failing].failure = "cassette miss \u{01}\u{0B} for key <abc> & \"quoted\""
    let path = try JUnitReportWriter(failingCases: true).write(results, to: directory)

    // With failing cases as failures (`--junit-cases`): every case, plus the gate's checks.
    let gate = GateView.gate(of: results)
    let gateErrors = gate.failedChecks.filter { $0.name == GateCheck.sourceErrorsName }.count
    let gateFailures = gate.failedChecks.count - gateErrors
    let errors = results.cases.filter { $0.verdict == .sourceError }.count + gateErrors
    let failures = results.cases.filter { !$0.passed }.count - errors + gateErrors + gateFailures
    let suites = Set(results.cases.map(\.thread)).count + 1
    let output = try Scripts.python(
      "report-check-junit.py",
      [
        path, "--expect",
        "tests=\(results.cases.count + gate.checks.count),failures=\(failures),errors=\(errors),suites=\(suites)",
      ])
    #expect(output.status == 0, "\(output.text)")
    #expect(errors == 1 && failures > 10)

    // By default failing cases are skipped (kept for drill-down): only the gate's checks fail.
    let quiet = try JUnitReportWriter().render(variants: [results])
    #expect(quiet.contains("failures=\"\(gateFailures)\" errors=\"\(gateErrors)\""))
    #expect(quiet.contains("<skipped message=\"case wrong_intent (drill-down, not a gate check)"))
    #expect(quiet.contains("<system-out>case "))

    let xml = try String(contentsOfFile: path, encoding: .utf8)
    #expect(!xml.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" })
    #expect(xml.contains("\\u{1}"), "forbidden characters are kept as text")
    #expect(xml.contains("type=\"wrong_intent\""))
    #expect(xml.contains("classname=\"refold.deploy-bot.baseline.deploy-00003\""))
    let step = try #require(results.cases.first { $0.thread == "deploy-00003" && $0.step == 2 })
    #expect(xml.contains("name=\"step 2 (seq \(step.seq ?? -1)): \(step.expected?.name ?? "")\""))
    #expect(xml.contains("name=\"loop run: deploy-00000\""))
    #expect(!xml.contains("<script>"))

    if FileManager.default.isExecutableFile(atPath: "/usr/bin/xmllint") {
      let process = Process()
      process.executableURL = URL(fileURLWithPath: "/usr/bin/xmllint")
      process.arguments = ["--noout", path]
      try process.run()
      process.waitUntilExit()
      #expect(process.terminationStatus == 0)
    }
  }

  @Test("the checker catches a wrong count")
  func checkerCatchesWrongCounts() throws {
    let directory = try Scripts.temporaryDirectory("junit-bad")
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let results = DeployBotRuns.run(
      id: "junit", threads: DeployBotRuns.threads(count: 5), errorRate: 0.5, seed: 2)
    let path = try JUnitReportWriter().write(results, to: directory)
    var xml = try String(contentsOfFile: path, encoding: .utf8)
    let range = try #require(
      xml.range(of: "failures=\"", range: xml.index(xml.startIndex, offsetBy: 60)..<xml.endIndex))
    xml.insert("9", at: range.upperBound)
    try xml.write(toFile: path, atomically: true, encoding: .utf8)
    let output = try Scripts.python("report-check-junit.py", [path])
    #expect(output.status == 1, "\(output.text)")
  }

  @Test("failure messages name what went wrong")
  func messages() {
    let wrong = CaseResult(
      id: "t#1", thread: "t", mode: "step", step: 1, seq: 3,
      expected: Intent(name: "deploy_backend", parameters: ["tag": "v1.4.2"]),
      actual: Intent(name: "deploy_backend", parameters: ["tag": "v1.4.1"]),
      verdict: .wrongParameters,
      parameterDiff: [
        ParameterDifference(
          path: "tag", expected: "v1.4.2", actual: "v1.4.1", matcher: "exact",
          reason: "values differ")
      ])
    #expect(JUnitReportWriter.message(wrong) == "deploy_backend: wrong parameters (tag)")
    #expect(JUnitReportWriter.testName(wrong) == "step 1 (seq 3): deploy_backend")
    #expect(
      JUnitReportWriter.details(wrong).contains(
        "- tag: expected \"v1.4.2\", got \"v1.4.1\" [exact] values differ"))
  }
}
