import Foundation
import RefoldCore
import RefoldShared

@testable import RefoldReport

/// `junit.xml` as it was rendered from whole runs, kept as the oracle of the streamed file.
extension JUnitReportWriter {
  func referenceRender(variants runs: [RunResults]) -> String {
    var document = ""
    var gateSuites: [String] = []
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
      gateSuites.append(gateSuite)
      for result in results.cases {
        let counts = caseCounts(result)
        totals.tests += 1
        totals.failures += counts.failures
        totals.errors += counts.errors
        totals.skipped += counts.skipped
      }
    }
    let name = runs.first.map { "refold.\($0.run.suite)" } ?? "refold"
    var header = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    header += "<testsuites name=\"\(Escaping.xml(name))\" tests=\"\(totals.tests)\" "
    header += "failures=\"\(totals.failures)\" errors=\"\(totals.errors)\" "
    header += "skipped=\"\(totals.skipped)\" "
    header += "time=\"\(JUnitReportWriter.seconds(totals.time))\">\n"
    document += (header)

    for (results, gateSuite) in zip(runs, gateSuites) {
      document += (gateSuite)
      let timestamp = Escaping.xml(JUnitReportWriter.timestamp(results.run.startedAt))
      // A thread's cases, by index, in the order threads first appear.
      var byThread: [String: [Int]] = [:]
      var order: [String] = []
      for (index, result) in results.cases.enumerated() {
        if byThread[result.thread] == nil { order.append(result.thread) }
        byThread[result.thread, default: []].append(index)
      }
      for thread in order {
        let cases = (byThread.removeValue(forKey: thread) ?? []).map { results.cases[$0] }
        var counts = (failures: 0, errors: 0, skipped: 0)
        for result in cases {
          let one = caseCounts(result)
          counts.failures += one.failures
          counts.errors += one.errors
          counts.skipped += one.skipped
        }
        let classname = "refold.\(results.run.suite).\(results.run.variant).\(thread)"
        var xml = "  <testsuite name=\"\(Escaping.xml(classname))\" tests=\"\(cases.count)\" "
        xml += "failures=\"\(counts.failures)\" errors=\"\(counts.errors)\" "
        xml += "skipped=\"\(counts.skipped)\" time=\"0.000\" timestamp=\"\(timestamp)\">\n"
        for result in cases {
          xml += testcase(result, classname: classname)
        }
        xml += "  </testsuite>\n"
        document += (xml)
      }
    }
    document += ("</testsuites>\n")
    return document
  }
}

/// `summary.md` as it was rendered from whole runs, kept as the oracle of the streamed file.
extension MarkdownSummaryWriter {
  /// The Markdown text for an evaluation's runs.
  ///
  /// The heading's verdict is the evaluation's: the worst of every variant's.
  func referenceRender(
    runs: [RunResults], comparisons: [Comparison] = [], baseline: Comparison? = nil
  ) -> String {
    guard let first = runs.first else { return "### Refold — no runs\n" }
    let verdict = GateView.verdict(of: runs)
    let several = runs.count > 1
    var lines: [String] = []
    lines.append(
      "### Refold · \(Self.inline(first.run.suite)) · "
        + "\(runs.map { Self.inline($0.run.variant) }.joined(separator: ", ")) — "
        + Self.status(verdict))
    lines.append("")
    lines.append(
      "**Gate: \(verdict.rawValue)**" + (several ? " (the worst of \(runs.count) variants)" : ""))
    lines.append("")
    if several {
      lines.append(contentsOf: variantTable(runs, evaluation: verdict))
      lines.append("")
    }
    for results in runs {
      let against = baseline.flatMap { $0.candidate.runID == results.run.id ? $0 : nil }
      lines.append(
        contentsOf: section(results, baseline: against, titled: several, evaluation: verdict))
      if comparisons.isEmpty && baseline == nil {
        lines.append(contentsOf: referenceFailingCases(results, several: several))
      }
    }
    lines.append(contentsOf: calibrationSection(runs))
    let all = (baseline.map { [$0] } ?? []) + comparisons
    if !all.isEmpty {
      lines.append(contentsOf: comparisonSection(all, baseline: baseline, several: several))
      lines.append(contentsOf: regressionList(all, runs: runs))
    }
    var footer = "Full report: [\(HTMLReportWriter.fileName)](\(link(HTMLReportWriter.fileName)))"
    if !all.isEmpty {
      footer +=
        " · comparison: [\(ComparisonWriter.htmlFileName)]"
        + "(\(link(ComparisonWriter.htmlFileName)))"
    }
    lines.append(footer)
    return lines.joined(separator: "\n") + "\n"
  }

  /// The first failing cases of a run, for a summary without comparisons.
  func referenceFailingCases(_ results: RunResults, several: Bool) -> [String] {
    let failing = results.cases.filter { !$0.passed }
    guard !failing.isEmpty else { return [] }
    let variant = several ? results.run.variant : nil
    var lines = [
      "**Failing cases**" + (several ? " of \(Self.inline(results.run.variant))" : "")
        + " (\(failing.count)):",
      "",
    ]
    for result in failing.prefix(maxListed) {
      lines.append(
        "- [\(Self.inline(result.id))](\(caseLink(result.id, variant: variant))) — "
          + "\(result.verdict.rawValue): " + Self.inline(JUnitReportWriter.message(result)))
    }
    if failing.count > maxListed { lines.append("- … and \(failing.count - maxListed) more") }
    lines.append("")
    return lines
  }
}
