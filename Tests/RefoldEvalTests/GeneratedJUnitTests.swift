import Foundation
import RefoldCore
import RefoldShared
import Testing

@testable import RefoldReport

/// `junit.xml` of the generated 2,000-decision run, written a suite at a time by
/// ``JUnitReportWriter``, against the whole document it was built as before, byte for byte.
@Suite struct GeneratedJUnitTests {
  /// The document as one string, every suite built first and joined: the writer's output
  /// before it streamed, kept as the oracle.
  static func wholeDocument(_ writer: JUnitReportWriter, runs: [RunResults]) -> String {
    var suites: [String] = []
    var totals = (tests: 0, failures: 0, errors: 0, skipped: 0, time: 0.0)
    for results in runs {
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
      totals.tests += gate.checks.count
      totals.failures += gateCounts.failures
      totals.errors += gateCounts.errors
      totals.skipped += gateCounts.skipped
      totals.time += wallTime
      var gateSuite =
        "  <testsuite name=\"\(Escaping.xml(gateName))\" tests=\"\(gate.checks.count)\" "
      gateSuite += "failures=\"\(gateCounts.failures)\" errors=\"\(gateCounts.errors)\" "
      gateSuite +=
        "skipped=\"\(gateCounts.skipped)\" time=\"\(JUnitReportWriter.seconds(wallTime))\" "
      gateSuite += "timestamp=\"\(timestamp)\">\n"
      gateSuite += "    <properties><property name=\"verdict\" value=\"\(gate.verdict.rawValue)\"/>"
      gateSuite += "</properties>\n"
      gateSuite += gateCases + "  </testsuite>\n"
      suites.append(gateSuite)

      var byThread: [String: [CaseResult]] = [:]
      var order: [String] = []
      for result in results.cases {
        if byThread[result.thread] == nil { order.append(result.thread) }
        byThread[result.thread, default: []].append(result)
      }
      for thread in order {
        let cases = byThread[thread] ?? []
        let failing = cases.filter { !$0.passed }
        let errors = writer.failingCases ? failing.filter(JUnitReportWriter.isError).count : 0
        let failures = writer.failingCases ? failing.count - errors : 0
        let skipped = writer.failingCases ? 0 : failing.count
        totals.tests += cases.count
        totals.failures += failures
        totals.errors += errors
        totals.skipped += skipped
        let classname = "refold.\(results.run.suite).\(results.run.variant).\(thread)"
        var xml = "  <testsuite name=\"\(Escaping.xml(classname))\" tests=\"\(cases.count)\" "
        xml += "failures=\"\(failures)\" errors=\"\(errors)\" skipped=\"\(skipped)\" "
        xml += "time=\"0.000\" timestamp=\"\(timestamp)\">\n"
        for result in cases {
          xml += writer.testcase(result, classname: classname)
        }
        xml += "  </testsuite>\n"
        suites.append(xml)
      }
    }
    let name = runs.first.map { "refold.\($0.run.suite)" } ?? "refold"
    var document = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    document += "<testsuites name=\"\(Escaping.xml(name))\" tests=\"\(totals.tests)\" "
    document += "failures=\"\(totals.failures)\" errors=\"\(totals.errors)\" "
    document += "skipped=\"\(totals.skipped)\" "
    document += "time=\"\(JUnitReportWriter.seconds(totals.time))\">\n"
    document += suites.joined()
    document += "</testsuites>\n"
    return document
  }

  /// Two variants of the generated run: the second with its cases interleaved across
  /// threads, a source error and a failed gate check, so that every count and every
  /// grouping is exercised.
  static func variants() -> [RunResults] {
    let first = GeneratedResultsTests.run()
    var second = first
    second.run.variant = "candidate"
    second.run.id = "r-generated-candidate"
    second.cases = first.cases.reversed()
    second.cases[3].verdict = .sourceError
    // Two cases of one thread apart, with other threads' cases between them.
    second.cases[5].thread = second.cases[9].thread
    second.gate?.checks.append(
      GateCheck(
        name: "min_intent_accuracy", threshold: 0.99, actual: 0.9, passed: false,
        source: "suite.yaml", detail: "intent accuracy 90% < 99% & <more>"))
    return [first, second]
  }

  @Test(arguments: [false, true])
  func theWrittenFileIsTheWholeDocument(failingCases: Bool) throws {
    let runs = Self.variants()
    let writer = JUnitReportWriter(failingCases: failingCases)
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "generated-junit-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: directory) }
    let path = try writer.write(variants: runs, to: directory.path)
    let written = try Data(contentsOf: URL(fileURLWithPath: path))
    let expected = Data(Self.wholeDocument(writer, runs: runs).utf8)
    #expect(written.count == expected.count)
    #expect(written == expected)
    #expect(try writer.render(variants: [runs[0]]) == Self.wholeDocument(writer, runs: [runs[0]]))
    #expect(written.count > 1_000_000)
  }
}
