import ArgumentParser
import Foundation
import RefoldCore
import RefoldEval
import RefoldModels
import RefoldReport

/// `refold judge check SUITE`: asks the suite's judge about every golden value that carries a
/// human label and reports agreement, Cohen's kappa and the disagreements.
struct JudgeCheckCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "check",
    abstract: "Compare the suite's judge with the human: pass|fail labels of its expectations.",
    discussion: """
      Each labelled value is the golden decision's own, judged under its rubric with the \
      golden events before it as the thread. The judge's calls go through the suite's judge \
      cassette like refold eval's. Exit codes: 0 the check ran; 2 an invalid suite or no \
      labels; 3 the judge failed (a cassette miss, an unreachable endpoint, a malformed answer).
      """)

  @Argument(help: "The suite.yaml.")
  var suite: String

  @Option(name: .long, help: "Judge source: recorded, live or record.")
  var model: String = "recorded"

  func validate() throws {
    guard ModelSourceKind(rawValue: model) != nil else {
      throw ValidationError("--model must be recorded, live or record, not \"\(model)\"")
    }
  }

  func run() async throws {
    let context = CLIContext.current
    let kind = ModelSourceKind(rawValue: model) ?? .recorded
    let loader = SuiteLoader(specLoader: AgentSpecLoader(environment: context.environment))
    let loaded = try loader.load(suite)
    let (threads, validation) = try loaded.loadValidatedThreads()
    for warning in validation.warnings { context.stderr.line("refold: warning: \(warning)") }
    try validation.check()
    guard loaded.judge != nil else {
      throw CLIError("suite \(loaded.name) names no judge: model; add judge: to \(loaded.file)")
    }
    let suiteModel = SuiteModel(
      kind: kind, environment: context.environment, dependencies: context.dependencies)
    guard let judge = try suiteModel.judge(suite: loaded) else {
      throw CLIError("suite \(loaded.name) names no judge: model; add judge: to \(loaded.file)")
    }
    let check: JudgeCalibration
    do {
      check = try await JudgeCalibration.run(suite: loaded, threads: threads, judge: judge)
    } catch {
      throw CLIError("refold judge check: \(error)", exitStatus: .sourceFailed)
    }
    guard let agreement = check.agreement else {
      throw CLIError(
        "suite \(loaded.name) has no human labels: add human: pass or human: fail beside a "
          + "judge matcher in a steps: entry of its expectations")
    }
    let agreed = check.labels.count - check.disagreements.count
    let output = context.stdout
    output.line(
      "judge check \(loaded.name): \(check.labels.count) labels, agreement "
        + String(format: "%.1f%%", agreement * 100) + " (\(agreed)/\(check.labels.count)), "
        + "Cohen's kappa " + (check.kappa.map { String(format: "%.2f", $0) } ?? "undefined"))
    guard let summary = check.summary, !summary.disagreements.isEmpty else { return }
    output.line("disagreements:")
    for label in summary.disagreements { output.line("  " + JudgedView.disagreement(label)) }
  }
}
