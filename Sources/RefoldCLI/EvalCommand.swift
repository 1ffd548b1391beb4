import ArgumentParser
import Foundation
import RefoldCore
import RefoldEval
import RefoldModels
import RefoldReport
import RefoldServer
import RefoldShared
import RefoldStore

/// `refold eval SUITE`: replay a suite's golden threads against a model source, score the
/// decisions, write the reports, and gate on the thresholds.
struct EvalCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "eval",
    abstract: "Evaluate a suite: replay golden threads, score decisions, write reports.",
    discussion: """
      Exit codes: 0 every threshold met; 1 below a threshold or a significant regression \
      against --baseline; 2 an invalid suite, fixture or option; 3 the model source failed \
      (a cassette miss, an unreachable endpoint); 4 the environment failed (the store is busy \
      or cannot be written, the disk is full, the report cannot be written).
      """)

  @Argument(help: "The suite directory or its suite.yaml (evals/deploybot).")
  var suite: String

  @Option(name: .long, help: "Evaluate only this variant (repeatable; default: all).")
  var variant: [String] = []

  @Option(name: .long, help: "Replay mode: step or loop (repeatable; default: the suite's).")
  var mode: [String] = []

  @Option(name: .long, help: "Model source: recorded, live or record.")
  var model: String = "recorded"

  @Flag(
    name: .customLong("verify"),
    help: "Verify every cassette line (key, fields, answer) when the cassette is opened.")
  var verify = false

  @Option(name: .long, help: "Fail when intent accuracy is below this (0-1).")
  var minAccuracy: Double?

  @Option(name: .long, help: "A run id in the store or a results.json to compare against.")
  var baseline: String?

  @Option(
    name: .long,
    help: "Variants compared: reference (compare_to: or the first, against each other) or all.")
  var compare: String = "reference"

  @Option(name: .long, help: "Where reports go (default: reports/<suite>/<run>/).")
  var out: String?

  @Option(
    name: .long,
    help:
      "The URL the reports are published under, for absolute links in summary.md (or REFOLD_REPORT_URL)."
  )
  var reportURL: String?

  @Flag(
    name: .long,
    help: "Make every failing case a junit.xml failure (default: only the gate's checks fail).")
  var junitCases = false

  @Option(name: .long, help: "Evaluate a deterministic slice of the threads: K/N (1-based).")
  var shard: String?

  @Option(
    name: .customLong("thread"),
    help: "Evaluate only the threads this name or glob matches (repeatable; default: all).")
  var threads: [String] = []

  @Option(
    name: .long,
    help:
      "The model endpoint, overriding the spec (or REFOLD_BASE_URL); for an external agent, the upstream its own model calls are forwarded to."
  )
  var baseURL: String?

  @Option(name: .long, help: "Threads evaluated at once.")
  var concurrency: Int = 4

  @OptionGroup var store: StoreOptions

  func validate() throws {
    guard ModelSourceKind(rawValue: model) != nil else {
      throw ValidationError("--model must be recorded, live or record, not \"\(model)\"")
    }
    for name in mode where ReplayMode(rawValue: name) == nil {
      throw ValidationError("--mode must be step or loop, not \"\(name)\"")
    }
    if let minAccuracy, !(0...1).contains(minAccuracy) {
      throw ValidationError("--min-accuracy must be between 0 and 1")
    }
    guard compare == "reference" || compare == "all" else {
      throw ValidationError("--compare must be reference or all, not \"\(compare)\"")
    }
    guard concurrency >= 1 else { throw ValidationError("--concurrency must be at least 1") }
  }

  func run() async throws {
    let context = CLIContext.current
    let kind = ModelSourceKind(rawValue: model) ?? .recorded
    let environment = context.environment
    let override = baseURL ?? environment["REFOLD_BASE_URL"]
    let loader = SuiteLoader(
      specLoader: AgentSpecLoader(environment: environment, baseURLOverride: override))
    let dependencies = context.dependencies
    let slice = try shard.map { text throws(SuiteError) in try Shard(parsing: text) }
    // The parsed options (one path) are only read, by closures the evaluation calls from
    // this command's task; ArgumentParser's wrappers are what keep them from being Sendable.
    nonisolated(unsafe) let store = self.store
    var suiteModel = SuiteModel(kind: kind, environment: environment, dependencies: dependencies)
    suiteModel.verifiesCassettes = verify
    suiteModel.clientOptions.maxConcurrentRequests = concurrency
    // An external agent's own model calls: answered from its variant's cassette (or
    // forwarded) on 127.0.0.1, from the first agent process on.
    let endpoint = ModelEndpoint(kind: kind, upstream: override, dependencies: dependencies)
    suiteModel.agentModels = { variant, cassette, upstream in
      try endpoint.channel(variant: variant.name, cassette: cassette, upstream: upstream)
    }
    var options = Evaluation.Options(
      variants: variant, modes: mode.compactMap(ReplayMode.init(rawValue:)), shard: slice,
      concurrency: concurrency, minAccuracy: minAccuracy, modelSource: kind.rawValue,
      gitCommit: RunLocator.gitCommit(), toolVersion: RefoldCommand.version,
      comparesAllPairs: compare == "all")
    options.threads = threads
    // Cases and threads stream to the store and the reports; the command keeps outlines only.
    options.keepsCases = false
    var evaluation = Evaluation(
      suite: suite,
      options: options,
      loader: loader,
      decider: suiteModel.decider,
      baseline: { [baseline, variant] in
        // An evaluation's results.json holds several variants: one evaluated names its own.
        try baseline.map {
          try RunLocator.load($0, store: store, variant: variant.count == 1 ? variant[0] : nil)
        }
      },
      runStore: { try store.openStores(creating: true).runStore() },
      reporter: ReportFiles(
        out: out, junitCases: junitCases,
        reportURL: reportURL ?? environment["REFOLD_REPORT_URL"]),
      progress: ProgressLine(
        enabled: context.stdout.terminalWidth != nil
          && !TerminalStyle.isContinuousIntegration(environment),
        output: context.stdout, now: dependencies.now),
      now: dependencies.now, clock: dependencies.timestamp,
      warn: { context.stderr.line("refold: warning: \($0.description)") })
    evaluation.judge = { [suiteModel] suite in try suiteModel.judge(suite: suite) }
    evaluation.stageEnded = context.stageEnded
    let result: EvaluationResult
    do {
      result = try await evaluation.run()
      await endpoint.stop()
    } catch EvaluationError.runsNotStored(let runs, let location, let reason, let status) {
      await endpoint.stop()
      throw CLIError(
        Self.notStoredSentence(runs: runs, location: location, reason: reason, store: store),
        exitStatus: status)
    } catch {
      await endpoint.stop()
      throw error
    }
    try report(result, to: context)
  }

  /// What to say when the reports were written but runs were not stored: where the reports
  /// are and the command that stores each run later.
  static func notStoredSentence(
    runs: [String], location: String?, reason: String, store: StoreOptions
  ) -> String {
    let files = location.map { resultsFiles(in: $0, runs: Set(runs)) } ?? []
    let database = store.db.map { " --db \($0)" } ?? ""
    let commands = files.map { "refold import-run \($0)\(database)" }.joined(separator: "; ")
    let later = commands.isEmpty ? "" : "; store it later with \(commands)"
    return
      "the evaluation finished but its run \(runs.joined(separator: ", ")) was not stored "
      + "(\(reason)); its reports are in \(location ?? "no directory")\(later)"
  }

  /// The results files in a report directory (its own and its variants') whose run is one
  /// of `runs`.
  static func resultsFiles(in directory: String, runs: Set<String>) -> [String] {
    let subdirectories =
      (try? FileManager.default.contentsOfDirectory(atPath: directory))?.sorted() ?? []
    let candidates =
      [(directory as NSString).appendingPathComponent(ResultsWriter.fileName)]
      + subdirectories.map {
        ((directory as NSString).appendingPathComponent($0) as NSString)
          .appendingPathComponent(ResultsWriter.fileName)
      }
    return candidates.filter { path in
      guard FileManager.default.fileExists(atPath: path),
        let results = try? ResultsReader.read(from: path)
      else { return false }
      return runs.contains(results.run.id)
    }
  }

  /// Prints each variant's rates, the comparison, the gate's checks and, always last, its
  /// verdict line (`PASS`, `FAIL`, `INCOMPLETE`), every line fitted to the terminal; then
  /// throws for source errors (exit 3, `INCOMPLETE`) or a failed gate (exit 1, `FAIL`).
  private func report(_ result: EvaluationResult, to context: CLIContext) throws {
    let runs = result.runs.map(\.results)
    let output = context.stdout
    let style = TerminalStyle(output: output, environment: context.environment)
    func show(_ text: String = "") {
      let trimmed = text.hasSuffix("\n") ? String(text.dropLast()) : text
      for line in style.fitted(trimmed) { output.line(line) }
    }
    show(Self.summaryBlocks(runs))
    if !result.comparisonPairs.isEmpty {
      let outlines = result.runs.map(\.outcome.outline)
      let comparisons = result.comparisonPairs.map {
        Comparison.compare(outlines[$0.baseline], outlines[$0.candidate])
      }
      show()
      show(Comparison.text(comparisons, maxFlipped: 5))
    }
    show()
    show("reports: \(result.reportLocation ?? "")")

    for run in result.runs {
      if let regression = run.gate.regression {
        show(
          "\(run.variant.name): vs baseline on \(regression.pairs) shared cases: McNemar p = "
            + String(format: "%.4f", regression.pValue)
            + (regression.pValue < 0.05 ? " (significant at α = 0.05)" : " (not significant)")
            + ", \(regression.newlyFailing.count) newly failing, "
            + "\(regression.newlyPassing.count) newly passing")
        for id in regression.newlyFailing.prefix(10) { show("  - now failing: \(id)") }
        for id in regression.newlyPassing.prefix(10) { show("  + now passing: \(id)") }
      }
    }
    for run in result.runs {
      for check in run.gate.record.checks {
        let prefix = result.runs.count > 1 ? "\(run.variant.name): " : ""
        let outcome = GateView.outcome(check)
        let mark: TerminalStyle.Mark =
          check.evaluated ? (check.passed ? .pass : .fail) : .warning
        let lines = style.fitted("gate: \(prefix)\(outcome): \(check.detail)")
        for (index, line) in lines.enumerated() {
          output.line(index == 0 ? style.paint("\(outcome):", in: line, mark) : line)
        }
      }
    }
    let verdictMark: TerminalStyle.Mark =
      switch result.verdict {
      case .pass: .pass
      case .fail: .fail
      case .incomplete: .warning
      }
    for (index, line) in style.fitted(Self.verdictLine(result)).enumerated() {
      output.line(
        index == 0 ? style.paint(result.verdict.rawValue, in: line, verdictMark) : line)
    }
    let sourceFailures = result.sourceFailures
    if !sourceFailures.isEmpty {
      for failure in sourceFailures.prefix(3) { context.stderr.line("refold: \(failure)") }
      if sourceFailures.count > 3 {
        context.stderr.line("refold: … and \(sourceFailures.count - 3) more source errors")
      }
      throw CLIError(
        "the model source failed on \(sourceFailures.count) decisions; see the messages above",
        exitStatus: .sourceFailed)
    }
    let failures = result.gateFailures
    if !failures.isEmpty {
      for failure in failures { context.stderr.line("refold: \(failure)") }
      throw CLIError(
        "the evaluation did not pass its gate (\(failures.count) failed checks)",
        exitStatus: .belowThreshold)
    }
  }

  /// The final line: `PASS`, `FAIL` or `INCOMPLETE`, and how many checks held.
  static func verdictLine(_ result: EvaluationResult) -> String {
    let checks = result.runs.flatMap(\.gate.record.checks)
    let evaluated = checks.filter(\.evaluated)
    let failed = evaluated.filter { !$0.passed }.count
    let verdict = result.verdict
    switch verdict {
    case .pass:
      return "PASS (\(evaluated.count) of \(evaluated.count) gate checks passed)"
    case .fail:
      return "FAIL (\(failed) of \(evaluated.count) gate checks failed)"
    case .incomplete:
      let errors = result.runs.map(\.results.summary.sourceErrors).reduce(0, +)
      return "INCOMPLETE (the model source failed on \(errors) decisions; not a pass)"
    }
  }

  /// One block per variant: its decisions and source errors, then each headline rate with
  /// its 95% interval and `passed/total`, one to a line.
  static func summaryBlocks(_ runs: [RunResults]) -> String {
    var blocks: [String] = []
    for run in runs {
      let summary = run.summary
      var rates: [(String, String)] = [
        ("intent accuracy", format(summary.intentAccuracy)),
        ("parameter accuracy", format(summary.parameterAccuracy)),
        ("case pass rate", format(summary.casePassRate)),
        ("loop pass", summary.loop.map { format($0.passRate) } ?? "-"),
        ("retries ok", format(summary.retry.expectedBehaviour)),
        ("escalation on time", format(summary.escalation.onTimeRate)),
      ]
      // Judged parameters (`judge`, `similar`) apart from exact parameter accuracy.
      if let judged = summary.judged {
        rates.append(("judged pass", format(judged.passRate)))
        if judged.judgePassRate.total > 0 {
          rates.append(("  judge", format(judged.judgePassRate)))
        }
        if judged.similarPassRate.total > 0 {
          rates.append(("  similar", format(judged.similarPassRate)))
        }
      }
      let width = rates.map(\.0.count).max() ?? 0
      var lines = [
        "\(run.run.variant): \(summary.decisions) decisions, "
          + "\(summary.sourceErrors) source errors"
      ]
      for (title, value) in rates {
        lines.append(
          "  " + title + String(repeating: " ", count: width - title.count) + "  " + value)
      }
      blocks.append(lines.joined(separator: "\n"))
    }
    // The judge against people's labels: the judge's, the same for every variant.
    if let calibration = runs.lazy.compactMap(\.summary.judgeCalibration).first {
      let agreement = calibration.agreement
      blocks.append(
        "judge against people: \(calibration.labels) labels, agreement \(format(agreement)), "
          + (calibration.kappa.map { String(format: "kappa %.2f", $0) } ?? "kappa undefined"))
    }
    return blocks.joined(separator: "\n")
  }

  /// `62.4% [55.1–69.2] 113/181`, or `-` for an empty rate.
  static func format(_ rate: Rate) -> String {
    guard let value = rate.rate, let low = rate.low, let high = rate.high else { return "-" }
    return String(
      format: "%.1f%% [%.1f–%.1f] %d/%d", value * 100, low * 100, high * 100, rate.passed,
      rate.total)
  }
}
