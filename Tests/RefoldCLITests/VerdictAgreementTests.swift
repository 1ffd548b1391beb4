import Foundation
import RefoldCLI
import RefoldCore
import RefoldReport
import RefoldShared
import RefoldTestSupport
import RefoldTesting
import Testing

/// One verdict everywhere: for a passing run, a run below a suite threshold, a run below
/// `--min-accuracy`, a significant regression against `--baseline` and an incomplete run,
/// the exit code, the terminal's last line, results.json, summary.md, the report's banner and
/// junit.xml (read back with junitparser) agree.
@Suite(.serialized) struct VerdictAgreementTests {
  let commands = EvalCommandTests()

  /// What every output of one run says about its verdict.
  struct Outputs {
    var code: Int32
    var lastLine: String
    var gate: RunGate?
    var summary: String
    var html: String
    var junit: [String: Any]
    var wallSeconds: Double?
  }

  func evaluate(_ arguments: [String], out: String) async throws -> Outputs {
    let run = await commands.refold(["eval"] + arguments + ["--out", out])
    let lastLine = run.stdout.split(separator: "\n").last.map(String.init) ?? ""
    let written = try ResultsReader.read(from: out + "/results.json")
    let gate = written.gate
    let summary = try String(contentsOfFile: out + "/summary.md", encoding: .utf8)
    let html = try String(contentsOfFile: out + "/report.html", encoding: .utf8)
    let script = try EvalCommandTests.runScript(
      "scripts/report-junit-verdict.py", [out + "/junit.xml"])
    #expect(script.status == 0, "\(script.output)")
    let junit =
      (try? JSONSerialization.jsonObject(with: Data(script.output.utf8)) as? [String: Any])
      ?? [:]
    return Outputs(
      code: run.code, lastLine: lastLine, gate: gate, summary: summary, html: html, junit: junit,
      wallSeconds: written.run.wallSeconds)
  }

  /// Asserts that every output gives `verdict`, and that nothing shows a pass mark unless it
  /// passed.
  func expectAgreement(_ outputs: Outputs, _ verdict: RunGate.Verdict, code: Int32) {
    #expect(outputs.code == code, "\(outputs.lastLine)")
    #expect(outputs.lastLine.hasPrefix(verdict.rawValue + " "), "\(outputs.lastLine)")
    #expect(outputs.gate?.verdict == verdict)
    let heading = outputs.summary.split(separator: "\n").first.map(String.init) ?? ""
    #expect(heading.hasSuffix(MarkdownSummaryWriter.status(verdict)), "\(heading)")
    #expect(outputs.summary.contains("**Gate: \(verdict.rawValue)**"))
    // A failed run may show the checks that held; it never shows a passing verdict, and an
    // incomplete run shows no pass mark at all.
    if verdict != .pass {
      #expect(!heading.contains("✅") && !outputs.summary.contains("✅ PASS"))
    }
    if verdict == .incomplete { #expect(!outputs.summary.contains("✅"), "\(outputs.summary)") }
    #expect(outputs.html.contains("data-verdict=\"\(verdict.rawValue)\""))
    #expect(outputs.junit["red"] as? Bool == (code != 0), "\(outputs.junit)")
    #expect((outputs.junit["verdicts"] as? [String])?.first == verdict.rawValue)
    // junit's time is the run's own wall time, not the sum of recorded latencies.
    let time = outputs.junit["time"] as? Double ?? -1
    #expect(time > 0 && time == outputs.wallSeconds, "\(time)")
  }

  @Test func everyOutputAgreesWithTheExitCode() async throws {
    let directory = try commands.suite(
      thresholds: "thresholds: {min_intent_accuracy: 0.015, min_case_pass_rate: 0.015}")
    let db = directory.path("refold.sqlite")
    let server = try await EvalCommandTests.startModel()
    let recorded = await commands.refold([
      "eval", directory.path("suite.yaml"), "--model", "record", "--base-url", server.baseURL,
      "--db", db, "--out", directory.path("recorded"),
    ])
    await server.stop()
    #expect(recorded.code == 0, "\(recorded.stderr)")
    let suite = directory.path("suite.yaml")

    // Pass: every check held; junit has failing cases for drill-down, but none is red.
    let passing = try await evaluate(
      [suite, "--variant", "baseline", "--db", db], out: directory.path("pass"))
    expectAgreement(passing, .pass, code: 0)
    #expect((passing.junit["skipped"] as? Int ?? 0) > 0, "failing cases are kept, skipped")
    #expect(passing.summary.contains("✅ ≥ 1.5%"))

    // The same run with --junit-cases: every failing case is a failure.
    let strictCases = await commands.refold([
      "eval", suite, "--variant", "baseline", "--db", db, "--junit-cases",
      "--out", directory.path("cases"),
    ])
    #expect(strictCases.code == 0)
    let cases = try EvalCommandTests.runScript(
      "scripts/report-junit-verdict.py", [directory.path("cases/junit.xml")])
    #expect(cases.output.contains("\"red\": true"), "\(cases.output)")

    // --min-accuracy: the threshold shown is the one applied (99%), not the suite's 1.5%.
    let flag = try await evaluate(
      [suite, "--variant", "baseline", "--db", db, "--min-accuracy", "0.99"],
      out: directory.path("flag"))
    expectAgreement(flag, .fail, code: 1)
    #expect(flag.summary.contains("❌ ≥ 99.0%"), "\(flag.summary)")
    #expect(!flag.summary.contains("1.5%") || flag.summary.contains("Case pass rate ≥ 1.5%"))
    #expect(flag.html.contains("below 99.0%"))
    #expect(!flag.html.contains("meets 1.5%") || !flag.html.contains("Intent accuracy ≥ 1.5%"))
    let intentCheck = flag.gate?.checks.first { $0.name == "min_intent_accuracy" }
    #expect(intentCheck?.threshold == 0.99)
    #expect(intentCheck?.source == "--min-accuracy")
    #expect(intentCheck?.passed == false)

    // A suite threshold no run can meet.
    let text = try String(contentsOfFile: suite, encoding: .utf8)
    try directory.write(
      "strict.yaml",
      text.replacingOccurrences(of: "min_case_pass_rate: 0.015", with: "min_case_pass_rate: 1.0"))
    let below = try await evaluate(
      [directory.path("strict.yaml"), "--variant", "baseline", "--db", db],
      out: directory.path("below"))
    expectAgreement(below, .fail, code: 1)
    #expect(below.junit["failed_checks"] as? [String] == ["Case pass rate ≥ 100.0%"])

    // A significant regression against a baseline that passed every case.
    var perfect = try ResultsReader.read(from: directory.path("pass/results.json"))
    perfect.cases = perfect.cases.map { result in
      var result = result
      result.verdict = .pass
      return result
    }
    try ResultsWriter.write(perfect, to: directory.path("perfect.json"))
    let regressed = try await evaluate(
      [suite, "--variant", "baseline", "--db", db, "--baseline", directory.path("perfect.json")],
      out: directory.path("regressed"))
    expectAgreement(regressed, .fail, code: 1)
    #expect(regressed.gate?.checks.contains { $0.name == "regression" && !$0.passed } == true)

    // Incomplete: the variant's cassette is gone; no output shows a pass mark.
    try directory.write("cassettes/baseline.jsonl", "")
    let incomplete = try await evaluate(
      [suite, "--variant", "baseline", "--db", db], out: directory.path("incomplete"))
    expectAgreement(incomplete, .incomplete, code: 3)
    #expect((incomplete.junit["errors"] as? Int ?? 0) >= 1)
    #expect(!incomplete.html.contains("badge ok"))

    // Every results file with its gate validates against the published schema.
    let validation = try EvalCommandTests.runScript(
      "scripts/report-validate-results.py",
      ["pass", "flag", "below", "regressed", "incomplete"].map { directory.path($0) })
    #expect(validation.status == 0, "\(validation.output)")
  }
}
