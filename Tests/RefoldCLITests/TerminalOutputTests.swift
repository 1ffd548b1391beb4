import Foundation
import RefoldCLI
import RefoldReport
import RefoldShared
import RefoldTestSupport
import RefoldTesting
import Testing

/// `refold eval`'s terminal output on the demo suite: lines fit the width, colour only on a
/// terminal without `NO_COLOR`, and a progress line that counts the run's own cases and stays
/// off under CI.
@Suite(.serialized) struct TerminalOutputTests {
  static let repository = Repository.root

  /// Evaluates the demo suite into a fresh directory; `terminalWidth` makes standard output
  /// stand for a terminal of that width.
  func evaluateDemo(terminalWidth: Int? = nil, environment: [String: String] = [:]) async throws
    -> (code: Int32, stdout: String, stderr: String, directory: TemporaryDirectory)
  {
    let directory = try TemporaryDirectory()
    let stdout = CapturedOutput(terminalWidth: terminalWidth)
    let stderr = CapturedOutput()
    let code = await CLI.run(
      arguments: [
        "eval", "\(Self.repository)/evals/deploybot", "--db", directory.path("d.sqlite"),
        "--out", directory.path("d"),
      ],
      stdout: stdout, stderr: stderr, environment: environment)
    return (code, stdout.text, stderr.text, directory)
  }

  /// A rate as the terminal prints it: `62.4% [55.1–69.2] 113/181`.
  func rate(_ rate: Rate) -> String {
    String(
      format: "%.1f%% [%.1f–%.1f] %d/%d", (rate.rate ?? 0) * 100, (rate.low ?? 0) * 100,
      (rate.high ?? 0) * 100, rate.passed, rate.total)
  }

  /// The text with ANSI escape sequences removed.
  func plain(_ text: String) -> String {
    text.replacingOccurrences(
      of: "\u{1B}\\[[0-9;]*[A-Za-z]", with: "", options: .regularExpression)
  }

  @Test func offATerminalLinesFitOneHundredColumnsWithoutEscapesOrProgress() async throws {
    let run = try await evaluateDemo(environment: [:])
    #expect(run.code == 0, "\(run.stderr)")
    let lines = run.stdout.split(separator: "\n", omittingEmptySubsequences: false)
    let wide = lines.filter { $0.count > 100 }
    #expect(wide.isEmpty, "lines wider than 100 columns: \(wide)")
    #expect(!run.stdout.contains("\u{1B}"))
    #expect(!run.stdout.contains("\r"))
    // Every figure is still there: each rate with its interval and counts, per variant.
    let results = try ResultsReader.read(from: run.directory.path("d/baseline/results.json"))
    #expect(run.stdout.contains("baseline: \(results.summary.decisions) decisions"))
    #expect(run.stdout.contains(rate(results.summary.intentAccuracy)))
    #expect(run.stdout.contains(rate(results.summary.casePassRate)))
    #expect(run.stdout.contains("concise-json: "))
    #expect(lines.contains { $0.hasPrefix("PASS (") })
  }

  @Test func onATerminalPassIsGreenUnlessNoColourIsSet() async throws {
    let coloured = try await evaluateDemo(terminalWidth: 80, environment: ["CI": "true"])
    #expect(coloured.code == 0, "\(coloured.stderr)")
    #expect(coloured.stdout.contains("\u{1B}[32mPASS\u{1B}[0m ("))
    #expect(coloured.stdout.contains("gate: baseline: \u{1B}[32mpassed:\u{1B}[0m"))
    let wide = plain(coloured.stdout).split(separator: "\n").filter { $0.count > 80 }
    #expect(wide.isEmpty, "lines wider than 80 columns: \(wide)")

    let plainRun = try await evaluateDemo(
      terminalWidth: 80, environment: ["CI": "true", "NO_COLOR": "1"])
    #expect(plainRun.code == 0, "\(plainRun.stderr)")
    #expect(!plainRun.stdout.contains("\u{1B}"))
    #expect(plainRun.stdout.contains("\nPASS ("))
  }

  @Test func theProgressLineCountsTheRunsCasesAndStaysOffUnderCI() async throws {
    let shown = try await evaluateDemo(terminalWidth: 120, environment: [:])
    #expect(shown.code == 0, "\(shown.stderr)")
    let baseline = try ResultsReader.read(
      from: shown.directory.path("d/baseline/results.json"))
    let concise = try ResultsReader.read(
      from: shown.directory.path("d/concise-json/results.json"))
    // The demo's expectations ignore some steps and every thread has a loop case: the last
    // line drawn counts the cases each run holds, with all of the fixtures read.
    #expect(baseline.cases.count == baseline.summary.casePassRate.total)
    #expect(
      shown.stdout.contains(
        "\rbaseline: \(baseline.cases.count) cases, 100% of the fixtures read"))
    #expect(
      shown.stdout.contains(
        "\rconcise-json: \(concise.cases.count) cases, 100% of the fixtures read"))

    let quiet = try await evaluateDemo(terminalWidth: 120, environment: ["CI": "true"])
    #expect(quiet.code == 0, "\(quiet.stderr)")
    #expect(!quiet.stdout.contains("\r"))
    #expect(!quiet.stdout.contains("/s, ETA"))
  }
}
