import ArgumentParser
import Foundation
import RefoldCore
import RefoldEval
import RefoldModels
import RefoldReport
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
      (a cassette miss, an unreachable endpoint).
      """)

  @Argument(help: "The suite directory or its suite.yaml (evals/deploybot).")
  var suite: String

  @Option(name: .long, help: "Evaluate only this variant (repeatable; default: all).")
  var variant: [String] = []

  @Option(name: .long, help: "Replay mode: step or loop (repeatable; default: the suite's).")
  var mode: [String] = []

  @Option(name: .long, help: "Model source: recorded, live or record.")
  var model: String = "recorded"

  @Option(name: .long, help: "Fail when intent accuracy is below this (0-1).")
  var minAccuracy: Double?

  @Option(name: .long, help: "A run id in the store or a results.json to compare against.")
  var baseline: String?

  @Option(name: .long, help: "Where reports go (default: reports/<suite>/<run>/).")
  var out: String?

  @Option(name: .long, help: "Evaluate a deterministic slice of the threads: K/N (1-based).")
  var shard: String?

  @Option(name: .long, help: "The model endpoint, overriding the spec (or REFOLD_BASE_URL).")
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
    guard concurrency >= 1 else { throw ValidationError("--concurrency must be at least 1") }
  }

  func run() async throws {
    let context = CLIContext.current
    let kind = ModelSourceKind(rawValue: model) ?? .recorded
    let environment = context.environment
    let override = baseURL ?? environment["REFOLD_BASE_URL"]
    let loader = SuiteLoader { path, patch in
      try AgentSpecLoader(environment: environment, baseURLOverride: override).load(
        path: path, patch: patch)
    }
    let loaded: Suite
    do {
      loaded = try loader.load(suite)
    } catch let error as SuiteError {
      throw CLIError(error.description)
    } catch let error as AgentSpecError {
      throw CLIError(error.description)
    }
    let variants = try selectedVariants(of: loaded)
    let slice: Shard?
    do {
      slice = try shard.map { text throws(SuiteError) in try Shard(parsing: text) }
    } catch {
      throw CLIError(error.description)
    }
    let threads: [[Event]]
    do {
      threads = try loaded.loadThreads()
    } catch {
      throw CLIError(error.description)
    }
    let baselineRun = try baseline.map { try RunLocator.load($0, store: store) }

    let database = try store.openDatabase(creating: true)
    let runStore = SQLiteRunStore(database: database)
    let now = context.dependencies.now
    let stamp = RunLocator.stamp(now())
    let commit = RunLocator.gitCommit()
    var outcomes: [(variant: Variant, outcome: EvaluationOutcome)] = []
    let progress = ProgressLine(
      enabled: isatty(STDOUT_FILENO) == 1 && context.stdout is FileDescriptorOutput,
      output: context.stdout, now: now)

    for variant in variants {
      let spec = loaded.spec(for: variant)
      let modes =
        mode.isEmpty ? loaded.modes(for: variant) : mode.compactMap(ReplayMode.init(rawValue:))
      let decider = try makeDecider(spec: spec, suite: loaded, variant: variant, kind: kind)
      let started = now()
      let total = Self.expectedCases(threads: threads, spec: spec, modes: modes, shard: slice)
      progress.start(label: variant.name, total: total)
      let info = RunInfo(
        id: "\(stamp)-\(variant.name)", suite: loaded.name, variant: variant.name,
        modes: modes.map(\.rawValue), modelSource: kind.rawValue, model: spec.model.name,
        startedAt: RunLocator.timestamp(started), finishedAt: RunLocator.timestamp(started),
        gitCommit: commit, toolVersion: RefoldCommand.version, shard: slice?.description,
        thresholds: thresholdsDictionary(loaded.thresholds))
      let options = Evaluator.Options(
        modes: modes, concurrency: concurrency, retention: .failing,
        stopOnSourceError: false, shard: slice, keepsCases: true, includesThreads: true,
        clock: context.dependencies.timestamp)
      var outcome = try await Evaluator.run(
        suite: loaded, variant: variant, decider: decider, info: info, modes: modes,
        options: options
      ) { _ in progress.advance() }
      progress.finish()
      outcome.results.run.finishedAt = RunLocator.timestamp(now())
      try runStore.save(outcome.results)
      outcomes.append((variant, outcome))
    }

    // Reports: one directory for the whole evaluation; every variant shown side by side.
    let primary = outcomes[0].outcome.results
    let others = outcomes.dropFirst().map(\.outcome.results)
    let layout = ReportLayout(
      suite: loaded.name, runID: outcomes.count == 1 ? primary.run.id : stamp, out: out)
    let history = try runStore.runs(suite: loaded.name)
    let baselineComparison = baselineRun.map { Comparison.compare($0, primary) }
    var written: [String] = []
    written += try ReportBundle.write(
      primary, variants: others, history: history, baseline: baselineComparison, layout: layout)
    for other in others {
      let directory = (layout.directory as NSString).appendingPathComponent(
        ReportLayout.safeComponent(other.run.variant))
      written.append(try JSONReportWriter().write(other, to: directory))
    }
    if !others.isEmpty {
      let comparisons = Comparison.compare(runs: [primary] + others)
      written += try ComparisonWriter().write(comparisons, to: layout.directory)
    }

    // The summary table, then the gate.
    let output = context.stdout
    output.line(Self.summaryTable(outcomes.map(\.outcome.results)))
    if !others.isEmpty {
      output.line()
      output.line(Comparison.text(Comparison.compare(runs: [primary] + others), maxFlipped: 5))
    }
    output.line()
    output.line("reports: \(layout.directory)")

    var failures: [String] = []
    for (variant, outcome) in outcomes {
      let comparable = baselineRun.flatMap { run in
        run.run.variant == variant.name || outcomes.count == 1 ? run : nil
      }
      let gate = Gate.evaluate(
        outcome.results, thresholds: loaded.thresholds, minAccuracy: minAccuracy,
        baseline: comparable)
      if let regression = gate.regression {
        output.line(
          "\(variant.name): vs baseline on \(regression.pairs) shared cases: McNemar p = "
            + String(format: "%.4f", regression.pValue)
            + ", \(regression.newlyFailing.count) newly failing, "
            + "\(regression.newlyPassing.count) newly passing")
        for id in regression.newlyFailing.prefix(10) { output.line("  - now failing: \(id)") }
        for id in regression.newlyPassing.prefix(10) { output.line("  + now passing: \(id)") }
      }
      failures += gate.failures.map { "\(variant.name): \($0)" }
    }
    let sourceFailures = outcomes.flatMap(\.outcome.sourceFailures)
    if !sourceFailures.isEmpty {
      for failure in sourceFailures.prefix(3) { context.stderr.line("refold: \(failure)") }
      if sourceFailures.count > 3 {
        context.stderr.line("refold: … and \(sourceFailures.count - 3) more source errors")
      }
      throw CLIError(
        "the model source failed on \(sourceFailures.count) decisions; see the messages above",
        exitCode: CLIError.modelSourceFailed)
    }
    if !failures.isEmpty {
      for failure in failures { context.stderr.line("refold: \(failure)") }
      throw CLIError(
        "the evaluation did not pass its gate (\(failures.count) failed checks)",
        exitCode: CLIError.belowThreshold)
    }
  }

  private func selectedVariants(of suite: Suite) throws -> [Variant] {
    if variant.isEmpty { return suite.variants }
    return try variant.map { name in
      guard let found = suite.variant(named: name) else {
        let known = suite.variants.map(\.name).joined(separator: ", ")
        throw CLIError("suite \(suite.name) has no variant \"\(name)\" (it has: \(known))")
      }
      return found
    }
  }

  private func makeDecider(
    spec: AgentSpec, suite: Suite, variant: Variant, kind: ModelSourceKind
  ) throws -> ModelDecider {
    let cassette: any CassetteStore
    do {
      if let path = suite.cassettePath(for: variant) {
        if kind == .recorded, !FileManager.default.fileExists(atPath: path) {
          throw CLIError(
            "no cassette at \(path) for variant \(variant.name); record one with --model record",
            exitCode: CLIError.modelSourceFailed)
        }
        cassette = try JSONLCassette(path: path)
      } else if kind == .live {
        cassette = InMemoryCassette()
      } else {
        throw CLIError(
          "suite \(suite.name) names no cassette, so --model \(kind.rawValue) has nothing to "
            + "replay or record into; add `cassette:` to \(suite.file)")
      }
      let source = try kind.makeSource(
        settings: spec.model, cassette: cassette, environment: CLIContext.current.environment,
        dependencies: CLIContext.current.dependencies)
      return try ModelDecider(spec: spec, source: source)
    } catch let error as ModelSourceError {
      throw CLIError(error.description, exitCode: CLIError.modelSourceFailed)
    } catch let error as AgentSpecError {
      throw CLIError(error.description)
    }
  }

  private func thresholdsDictionary(_ thresholds: Thresholds) -> [String: Double] {
    var values = thresholds.asDictionary
    if let minAccuracy { values["min_accuracy"] = minAccuracy }
    return values
  }

  /// The number of cases a run will produce, for the progress line.
  static func expectedCases(
    threads: [[Event]], spec: AgentSpec, modes: [ReplayMode], shard: Shard?
  ) -> Int {
    let reducer = spec.reducer
    var total = 0
    for events in threads {
      guard let id = events.first?.thread, shard?.includes(id) ?? true else { continue }
      if modes.contains(.step) {
        total += GoldenThread(events: events, reducer: reducer).decisions.count
      }
      if modes.contains(.loop) { total += 1 }
    }
    return total
  }

  /// One row per variant: the headline rates with their 95% intervals.
  static func summaryTable(_ runs: [RunResults]) -> String {
    var table = TextTable([
      "VARIANT", "DECISIONS", "INTENT ACCURACY", "PARAMETER ACCURACY", "CASE PASS RATE",
      "LOOP PASS", "RETRIES OK", "ESCALATION ON TIME", "SOURCE ERRORS",
    ])
    for run in runs {
      let summary = run.summary
      table.append([
        run.run.variant, String(summary.decisions), format(summary.intentAccuracy),
        format(summary.parameterAccuracy), format(summary.casePassRate),
        summary.loop.map { format($0.passRate) } ?? "-",
        format(summary.retry.expectedBehaviour), format(summary.escalation.onTimeRate),
        String(summary.sourceErrors),
      ])
    }
    return table.lines.joined(separator: "\n")
  }

  /// `62.4% [55.1–69.2] 113/181`, or `-` for an empty rate.
  static func format(_ rate: Rate) -> String {
    guard let value = rate.rate, let low = rate.low, let high = rate.high else { return "-" }
    return String(
      format: "%.1f%% [%.1f–%.1f] %d/%d", value * 100, low * 100, high * 100, rate.passed,
      rate.total)
  }
}
