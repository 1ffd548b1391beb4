import Foundation
import RefoldCore
import RefoldShared

/// Evaluates a suite from end to end: suite in, scored and gated runs out.
///
/// For each selected variant it builds a decider, replays the golden threads with an
/// ``Evaluator``, stamps the run, saves it to the run store and gates it (the suite's
/// thresholds, ``Options/minAccuracy``, the baseline); then it hands every run to the
/// reporter. Every seam is a value the caller chooses: where decisions come from, where runs
/// are kept, where reports go, what progress shows, and what time it is. `refold eval` is
/// this type with the CLI's pieces plugged in; a test plugs in doubles.
///
/// ```swift
/// let evaluation = Evaluation(
///   suite: "evals/deploybot", loader: SuiteLoader(specLoader: AgentSpecLoader()),
///   decider: { suite, variant, spec in try ModelDecider(spec: spec, source: source) })
/// let result = try await evaluation.run()
/// print(result.passed, result.runs.map(\.results.summary.intentAccuracy))
/// ```
public struct Evaluation: Sendable {
  /// Builds the decider of one variant, given the suite and the variant's spec.
  public typealias DeciderFactory =
    @Sendable (_ suite: Suite, _ variant: Variant, _ spec: AgentSpec) throws -> any Decider

  /// What to evaluate and how to gate it.
  public struct Options: Sendable {
    /// The variants to evaluate, by name (empty: every variant of the suite, in order).
    public var variants: [String]
    /// The replay modes (empty: each variant's, or the suite's).
    public var modes: [ReplayMode]
    /// Only the threads of this shard.
    public var shard: Shard?
    /// Only the threads these names or globs match (``ThreadFilter``; empty: every thread).
    public var threads: [String] = []
    /// Threads evaluated at once.
    public var concurrency: Int
    /// Replaces the suite's `min_intent_accuracy` at the gate, and is recorded with the run's
    /// thresholds as `min_accuracy`.
    public var minAccuracy: Double?
    /// The model source's name as runs record it: `recorded`, `live` or `record`.
    public var modelSource: String
    /// The commit under evaluation, recorded with the run.
    public var gitCommit: String?
    /// The tool version recorded with the run.
    public var toolVersion: String
    /// Compare every pair of variants, not only the reference variant with each other.
    public var comparesAllPairs: Bool

    public init(
      variants: [String] = [], modes: [ReplayMode] = [], shard: Shard? = nil,
      concurrency: Int = 4, minAccuracy: Double? = nil, modelSource: String = "recorded",
      gitCommit: String? = nil, toolVersion: String = "library", comparesAllPairs: Bool = false
    ) {
      self.comparesAllPairs = comparesAllPairs
      self.variants = variants
      self.modes = modes
      self.shard = shard
      self.concurrency = concurrency
      self.minAccuracy = minAccuracy
      self.modelSource = modelSource
      self.gitCommit = gitCommit
      self.toolVersion = toolVersion
    }
  }

  /// The suite directory or its `suite.yaml`.
  public var suitePath: String
  public var options: Options
  public var loader: SuiteLoader
  public var makeDecider: DeciderFactory
  /// The run to compare against, read once the suite and its fixtures have loaded.
  public var baseline: @Sendable () throws -> RunResults?
  /// Where runs are saved and the suite's history is read, opened once the suite and its
  /// fixtures have loaded (nil: runs are not kept).
  public var runStore: @Sendable () throws -> (any RunStore)?
  /// Where the reports go (nil: none are written).
  public var reporter: (any EvaluationReporter)?
  public var progress: any EvaluationProgress
  /// The time runs start and finish, and the stamp of their ids.
  public var now: @Sendable () -> Date
  /// Timestamps for the events loop replay produces.
  public var clock: AgentLoop.Clock
  /// Where validation's warnings go (golden events of types the agent does not know).
  public var warn: @Sendable (SuiteError) -> Void
  /// Told the name of each stage of ``run()`` as it ends (suite loaded, threads read, each
  /// variant replayed, reports written, runs stored), for timings such as
  /// `refold-bench eval` prints.
  public var stageEnded: @Sendable (String) -> Void = { _ in }
  /// Builds what answers the suite's `judge` and `similar` matchers, once per evaluation
  /// (nil, or a builder returning nil: judged matchers have no verdicts and fail).
  public var judge: (@Sendable (Suite) throws -> (any ParameterJudge)?)?

  public init(
    suite suitePath: String, options: Options = Options(), loader: SuiteLoader,
    decider makeDecider: @escaping DeciderFactory,
    baseline: @escaping @Sendable () throws -> RunResults? = { nil },
    runStore: @escaping @Sendable () throws -> (any RunStore)? = { nil },
    reporter: (any EvaluationReporter)? = nil, progress: any EvaluationProgress = SilentProgress(),
    now: @escaping @Sendable () -> Date = { Date() },
    clock: @escaping AgentLoop.Clock = AgentLoop.systemClock,
    warn: @escaping @Sendable (SuiteError) -> Void = { _ in }
  ) {
    self.warn = warn
    self.suitePath = suitePath
    self.options = options
    self.loader = loader
    self.makeDecider = makeDecider
    self.baseline = baseline
    self.runStore = runStore
    self.reporter = reporter
    self.progress = progress
    self.now = now
    self.clock = clock
  }

  /// Loads the suite, evaluates the selected variants, saves and gates their runs, and writes
  /// the reports.
  ///
  /// Cases the model source could not answer and failed gate checks are not thrown: they are
  /// in the result (``EvaluationResult/sourceFailures``, ``EvaluationResult/gateFailures``).
  ///
  /// - Throws: ``SuiteError`` for a broken suite or fixture, ``SuiteProblems`` with every
  ///   problem validation found (``SuiteValidator``), ``EvaluationError`` for an
  ///   unknown variant, what the agent loader, the decider factory, the baseline, the run
  ///   store or the reporter throw, unchanged. The runs are stored while the reports are
  ///   written, and storing is retried: a store that still fails then throws
  ///   ``EvaluationError/runsNotStored(runs:reportLocation:reason:status:)`` once the reports
  ///   are written, so a finished evaluation is never lost (a reporter that throws may leave
  ///   the runs stored: `refold report` renders them again).
  public func run() async throws -> EvaluationResult {
    let suite = try loader.load(suitePath)
    let variants = try Self.select(options.variants, of: suite)
    stageEnded("suite loaded")
    let (loaded, validation) = try suite.loadValidatedThreads()
    for warning in validation.warnings { warn(warning) }
    try validation.check()
    let threads = try ThreadFilter(options.threads).select(loaded, suite: suite.name)
    stageEnded("threads read and validated")
    let parameterJudge = try judge?(suite)
    // The judge against people's labels, once for the evaluation: each variant's run keeps
    // it. A shard sees some of the labels only, so a sharded run leaves it to `judge check`.
    var calibration: JudgeCalibrationSummary?
    if let parameterJudge, suite.judge != nil, options.shard == nil,
      JudgeCalibration.hasLabels(suite: suite, threads: threads)
    {
      calibration = try await JudgeCalibration.run(
        suite: suite, threads: threads, judge: parameterJudge
      ).summary
      stageEnded("judge checked against people")
    }
    let baselineRun = try baseline()
    let store = try runStore()
    stageEnded("baseline and run store opened")

    let started = now()
    let stamp = RunStamp.stamp(started)
    var runs: [EvaluationResult.VariantRun] = []
    var outcomes: [(variant: Variant, outcome: EvaluationOutcome)] = []
    for variant in variants {
      let spec = suite.spec(for: variant)
      let modes = options.modes.isEmpty ? suite.modes(for: variant) : options.modes
      let decider: any Decider
      do {
        decider = try makeDecider(suite, variant, spec)
      } catch EvaluationError.noCassette(let path, let name) where variants.count > 1 {
        // One variant without its cassette leaves the others to be scored: each of its
        // decisions is a source error, so the evaluation is INCOMPLETE.
        decider = UnansweredDecider(error: .noCassette(path: path, variant: name))
      }
      let variantStarted = now()
      let total =
        progress.needsTotal
        ? Self.expectedCases(
          threads: threads, spec: spec, modes: modes, shard: options.shard,
          expectations: suite.expectations) : 0
      progress.start(label: variant.name, total: total)
      stageEnded("\(variant.name): cases counted")
      let info = RunInfo(
        id: "\(stamp)-\(variant.name)", suite: suite.name, variant: variant.name,
        modes: modes.map(\.rawValue), modelSource: options.modelSource, model: spec.model.name,
        startedAt: RunStamp.timestamp(variantStarted),
        finishedAt: RunStamp.timestamp(variantStarted), gitCommit: options.gitCommit,
        toolVersion: options.toolVersion, shard: options.shard?.description,
        thresholds: thresholds(suite.thresholds),
        scope: threads.count < loaded.count || Set(modes) != Set(suite.modes(for: variant))
          ? .adHoc : options.shard == nil ? .suite : .shard)
      var evaluator = Evaluator(
        spec: spec, decider: decider, expectations: suite.expectations,
        options: Evaluator.Options(
          modes: modes, concurrency: options.concurrency, retention: .failing,
          stopOnSourceError: false, shard: options.shard, keepsCases: true,
          includesThreads: true, clock: clock))
      evaluator.judge = parameterJudge
      evaluator.judgeCalibration = calibration
      let shown = progress
      var outcome = try await evaluator.run(threads: threads, info: info) { _ in
        shown.advance()
      }
      progress.finish()
      let finished = now()
      outcome.results.run.finishedAt = RunStamp.timestamp(finished)
      outcome.results.run.wallSeconds =
        (max(0, finished.timeIntervalSince(variantStarted)) * 1000).rounded() / 1000
      outcomes.append((variant, outcome))
      stageEnded("\(variant.name): replayed and scored")
    }

    // The gate is decided once, before anything is written: every output shows its verdict.
    for index in outcomes.indices {
      let (variant, outcome) = outcomes[index]
      // A baseline of another variant is compared only when one variant is evaluated.
      let comparable = baselineRun.flatMap { run in
        run.run.variant == variant.name || outcomes.count == 1 ? run : nil
      }
      let gate = Gate.evaluate(
        outcome.results, thresholds: suite.thresholds, minAccuracy: options.minAccuracy,
        baseline: comparable)
      outcomes[index].outcome.results.gate = gate.record
      runs.append(.init(variant: variant, outcome: outcomes[index].outcome, gate: gate))
    }

    let evaluationID = outcomes.count == 1 ? outcomes[0].outcome.results.run.id : stamp
    let pairs = Self.comparisonPairs(
      variants: outcomes.map(\.variant.name), reference: suite.compareTo,
      all: options.comparesAllPairs)
    var location: String?
    let finishedRuns = outcomes.map(\.outcome.results)
    // This evaluation's runs are in the history as they will be once stored.
    let history =
      try reporter.map { _ in
        try (store?.runs(suite: suite.name) ?? [])
          + finishedRuns.map { RunRecord(info: $0.run, summary: $0.summary) }
      } ?? []
    // The runs are stored while the reports are written (each has a core to itself on a
    // machine with two); a store that fails is reported once the reports are written, with
    // where they are.
    let stageEnded = self.stageEnded
    let saving = store.map { store in
      Task.detached { () throws -> Void in
        try Self.save(finishedRuns, in: store)
        stageEnded("runs stored")
      }
    }
    if let reporter {
      do {
        location = try reporter.write(
          finishedRuns, evaluationID: evaluationID, history: history, baseline: baselineRun,
          pairs: pairs)
      } catch {
        _ = try? await saving?.value
        throw error
      }
      stageEnded("reports written")
    }
    do {
      try await saving?.value
    } catch let failure as StoreFailure {
      throw failure.error(reportLocation: location)
    }
    var result = EvaluationResult(
      suite: suite, runs: runs, evaluationID: evaluationID, reportLocation: location)
    result.comparisonPairs = pairs
    return result
  }

  /// The pairs of runs an evaluation compares, as indexes into its variants: the reference
  /// variant (`compare_to:`, else the first) against each other, or with `all` every pair
  /// once, in variant order.
  public static func comparisonPairs(variants: [String], reference: String?, all: Bool)
    -> [ComparisonPair]
  {
    let indexes = variants.indices
    if all {
      return indexes.flatMap { first in
        indexes.filter { $0 > first }.map { ComparisonPair(baseline: first, candidate: $0) }
      }
    }
    let anchor = reference.flatMap { variants.firstIndex(of: $0) } ?? 0
    return indexes.filter { $0 != anchor }.map {
      ComparisonPair(baseline: anchor, candidate: $0)
    }
  }

  /// The runs a store did not take, and why: an
  /// ``EvaluationError/runsNotStored(runs:reportLocation:reason:status:)`` once the reports'
  /// location is known.
  struct StoreFailure: Error {
    var runs: [String]
    var error: any Error

    func error(reportLocation: String?) -> EvaluationError {
      let refold = error as? any RefoldError
      return EvaluationError.runsNotStored(
        runs: runs, reportLocation: reportLocation,
        reason: refold?.description ?? "\(error)", status: refold?.exitStatus ?? .environment)
    }
  }

  /// Saves each run, trying a run whose store failed for a reason of the environment (a busy
  /// or full store) twice more.
  ///
  /// - Throws: ``StoreFailure`` naming the runs not stored.
  private static func save(_ runs: [RunResults], in store: any RunStore) throws {
    var failed: [String] = []
    var lastError: (any Error)?
    for results in runs {
      var attempt = 0
      while true {
        do {
          try store.save(results)
          break
        } catch {
          attempt += 1
          let retryable = (error as? any RefoldError)?.exitStatus == .environment
          guard retryable, attempt < 3 else {
            failed.append(results.run.id)
            lastError = error
            break
          }
        }
      }
    }
    guard let lastError else { return }
    throw StoreFailure(runs: failed, error: lastError)
  }

  /// The variants named, in the order given (every variant when none is named).
  ///
  /// - Throws: ``EvaluationError/unknownVariant(_:suite:known:)``.
  public static func select(_ names: [String], of suite: Suite) throws(EvaluationError)
    -> [Variant]
  {
    if names.isEmpty { return suite.variants }
    return try names.map { name throws(EvaluationError) in
      guard let found = suite.variant(named: name) else {
        throw .unknownVariant(name, suite: suite.name, known: suite.variants.map(\.name))
      }
      return found
    }
  }

  /// The number of cases a run will produce, for progress: every decision the expectations
  /// do not ignore in step mode, one per thread with a decision in loop mode.
  public static func expectedCases(
    threads: [[Event]], spec: AgentSpec, modes: [ReplayMode], shard: Shard?,
    expectations: Expectations = .none
  ) -> Int {
    let reducer = spec.reducer
    var total = 0
    for events in threads {
      guard let id = events.first?.thread, shard?.includes(id) ?? true else { continue }
      let golden = GoldenThread(events: events, reducer: reducer)
      if modes.contains(.step) {
        let expectation = expectations.forThread(golden.id)
        total +=
          golden.decisions.filter { point in
            expectation.step(point.step, seq: point.seq, intent: point.intent.name)?.ignore != true
          }.count
      }
      if modes.contains(.loop), !golden.decisions.isEmpty { total += 1 }
    }
    return total
  }

  /// The thresholds recorded with a run: the suite's, and `--min-accuracy` when given.
  private func thresholds(_ thresholds: Thresholds) -> [String: Double] {
    var values = thresholds.asDictionary
    if let minAccuracy = options.minAccuracy { values["min_accuracy"] = minAccuracy }
    return values
  }
}
