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
    /// Keep every case and golden thread in the result (``EvaluationResult``).
    ///
    /// They stream to the store and the reports either way; `refold eval` keeps none, so its
    /// memory is bounded by the concurrency, not by the suite.
    public var keepsCases = true

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
  /// Each variant's run streams: its golden threads are read one at a time on a thread of
  /// their own as the decisions are asked, and each thread's cases go to the run store's
  /// writer and the reports as the thread is scored; nothing holds the run (unless
  /// ``Options/keepsCases``), so memory is bounded by the concurrency and the reports' caps.
  /// The first pass over the fixtures validates them as they stream; nothing is stored or
  /// reported until every thread has been read, so a suite validation rejects leaves no run
  /// and no report. A live or recording model source pays for every decision, so then the
  /// fixtures are validated in a pass of their own before the first decision.
  ///
  /// Cases the model source could not answer and failed gate checks are not thrown: they are
  /// in the result (``EvaluationResult/sourceFailures``, ``EvaluationResult/gateFailures``).
  ///
  /// - Throws: ``SuiteError`` for a broken suite or fixture, ``SuiteProblems`` with every
  ///   problem validation found (``SuiteValidator``), ``EvaluationError`` for an
  ///   unknown variant, what the agent loader, the decider factory, the baseline, the run
  ///   store or the reporter throw, unchanged. A run store that fails does not stop the
  ///   evaluation: the reports are written and then
  ///   ``EvaluationError/runsNotStored(runs:reportLocation:reason:status:)`` names the runs
  ///   not stored, so a finished evaluation is never lost (`refold import-run` stores them
  ///   from their results files later).
  public func run() async throws -> EvaluationResult {
    let suite = try loader.load(suitePath)
    let variants = try Self.select(options.variants, of: suite)
    stageEnded("suite loaded")
    let filter = ThreadFilter(options.threads)
    var surveyed: FixturePass.Found?
    // A suite's own problems come before what its models say: when building the judge or a
    // decider fails before the fixtures were validated, they are validated first.
    func validatingFirst<T>(_ body: () throws -> T) throws -> T {
      do {
        return try body()
      } catch {
        if surveyed == nil {
          surveyed = try survey(suite, filter: filter, keepsLabels: true)
        }
        throw error
      }
    }
    let parameterJudge = try validatingFirst { try judge?(suite) }
    let calibrates = parameterJudge != nil && suite.judge != nil && options.shard == nil
    if options.modelSource != "recorded" {
      surveyed = try survey(suite, filter: filter, keepsLabels: calibrates)
      stageEnded("threads read and validated")
    }
    let baselineRun = try baseline()
    let baselineOutline = baselineRun?.outline
    stageEnded("baseline opened")

    let started = now()
    let stamp = RunStamp.stamp(started)
    let evaluationID = variants.count == 1 ? "\(stamp)-\(variants[0].name)" : stamp
    let fixtureBytes = FixtureStream(files: suite.fixtureFiles).totalBytes
    let outputs = EvaluationOutputs(
      evaluationID: evaluationID, reporter: reporter, openStore: runStore,
      infos: variants.map { variant in
        info(
          suite: suite, variant: variant, stamp: stamp, modes: modes(for: variant, in: suite),
          at: started)
      })
    var outcomes: [(variant: Variant, outcome: EvaluationOutcome)] = []
    var calibration: JudgeCalibrationSummary?
    do {
      for (index, variant) in variants.enumerated() {
        let spec = suite.spec(for: variant)
        let modes = modes(for: variant, in: suite)
        let decider: any Decider
        do {
          decider = try validatingFirst { try makeDecider(suite, variant, spec) }
        } catch EvaluationError.noCassette(let path, let name) where variants.count > 1 {
          // One variant without its cassette leaves the others to be scored: each of its
          // decisions is a source error, so the evaluation is INCOMPLETE.
          decider = UnansweredDecider(error: .noCassette(path: path, variant: name))
        }
        let variantStarted = now()
        progress.start(label: variant.name, fixtureBytes: fixtureBytes)
        stageEnded("\(variant.name): decider built")
        // The first pass validates as it streams, unless a pass of its own did.
        let pass = FixturePass(
          suite: suite, filter: filter, validates: surveyed == nil,
          keepsLabels: calibrates && surveyed == nil)
        let feed = ThreadFeed(capacity: 4 * max(1, options.concurrency) + 16) {
          [files = suite.fixtureFiles] emit in
          var stream = FixtureStream(files: files)
          stream.keepsEncodedData = true
          try stream.forEachThread { thread in
            guard pass.see(thread) else { return }
            guard emit(.init(events: thread.events, bytesRead: thread.bytesRead)) else {
              throw CancellationError()
            }
          }
        }
        var evaluator = Evaluator(
          spec: spec, decider: decider, expectations: suite.expectations,
          options: Evaluator.Options(
            modes: modes, concurrency: options.concurrency, retention: .failing,
            stopOnSourceError: false, shard: options.shard, keepsCases: options.keepsCases,
            includesThreads: true, clock: clock))
        evaluator.judge = parameterJudge
        evaluator.judgeCalibration = calibration
        evaluator.options.encodesCases = true
        let shown = progress
        var bytesRead = 0
        var outcome: EvaluationOutcome
        do {
          outcome = try await evaluator.run(
            next: {
              guard let item = try await feed.next() else { return nil }
              bytesRead = item.bytesRead
              return item.events
            }, info: outputs.infos[index],
            handOn: { thread in try outputs.add(variant: index, thread) },
            sink: { _ in shown.advance(bytesRead: bytesRead) })
        } catch {
          feed.cancel()
          throw error
        }
        feed.waitUntilEnded()
        progress.finish()
        let found = try surveyed ?? checked(pass.found, suite: suite, filter: filter)
        if surveyed == nil { surveyed = found }
        // A cassette that could not be read whole fails the evaluation, after the suite's
        // own problems, as it would have failed building the decider.
        try decider.finishOpening()
        if index == 0, calibrates, let parameterJudge, !found.labelled.isEmpty {
          // The judge against people's labels, once for the evaluation: each variant's run
          // keeps it. A shard sees some of the labels only, so it leaves it to `judge check`.
          calibration = try await JudgeCalibration.run(
            suite: suite, threads: found.labelled, judge: parameterJudge
          ).summary
          outcome.results.summary.judgeCalibration = calibration
          stageEnded("judge checked against people")
        }
        let finished = now()
        outcome.results.run.scope =
          found.selected < found.loaded || Set(modes) != Set(suite.modes(for: variant))
          ? .adHoc : options.shard == nil ? .suite : .shard
        outcome.results.run.startedAt = RunStamp.timestamp(variantStarted)
        outcome.results.run.finishedAt = RunStamp.timestamp(finished)
        outcome.results.run.wallSeconds =
          (max(0, finished.timeIntervalSince(variantStarted)) * 1000).rounded() / 1000
        outcomes.append((variant, outcome))
        stageEnded("\(variant.name): replayed and scored")
      }
    } catch {
      outputs.abandon()
      throw error
    }

    // The gate is decided once, before anything is written: every output shows its verdict.
    var runs: [EvaluationResult.VariantRun] = []
    for index in outcomes.indices {
      let (variant, outcome) = outcomes[index]
      // A baseline of another variant is compared only when one variant is evaluated.
      let comparable = baselineOutline.flatMap { run in
        run.run.variant == variant.name || outcomes.count == 1 ? run : nil
      }
      let gate = Gate.evaluate(
        outcome.outline, thresholds: suite.thresholds, minAccuracy: options.minAccuracy,
        baseline: comparable)
      outcomes[index].outcome.results.gate = gate.record
      runs.append(.init(variant: variant, outcome: outcomes[index].outcome, gate: gate))
    }

    let pairs = Self.comparisonPairs(
      variants: outcomes.map(\.variant.name), reference: suite.compareTo,
      all: options.comparesAllPairs)
    let heads = outcomes.map { outcome -> RunResults in
      var head = outcome.outcome.results
      head.cases = []
      head.threads = nil
      return head
    }
    let location = try await outputs.finish(
      heads, outlines: outcomes.map(\.outcome.outline), baseline: baselineRun, pairs: pairs,
      stageEnded: stageEnded)
    var result = EvaluationResult(
      suite: suite, runs: runs, evaluationID: evaluationID, reportLocation: location)
    result.comparisonPairs = pairs
    return result
  }

  /// The modes a variant runs in: `--mode`'s, else the variant's or the suite's.
  private func modes(for variant: Variant, in suite: Suite) -> [ReplayMode] {
    options.modes.isEmpty ? suite.modes(for: variant) : options.modes
  }

  /// A variant's run as it starts (its times and scope are set when it finishes).
  private func info(
    suite: Suite, variant: Variant, stamp: String, modes: [ReplayMode], at time: Date
  ) -> RunInfo {
    let spec = suite.spec(for: variant)
    return RunInfo(
      id: "\(stamp)-\(variant.name)", suite: suite.name, variant: variant.name,
      modes: modes.map(\.rawValue), modelSource: options.modelSource, model: spec.model.name,
      startedAt: RunStamp.timestamp(time), finishedAt: RunStamp.timestamp(time),
      gitCommit: options.gitCommit, toolVersion: options.toolVersion,
      shard: options.shard?.description, thresholds: thresholds(suite.thresholds))
  }

  /// Reads every fixture once, validating, before any decision is asked.
  private func survey(_ suite: Suite, filter: ThreadFilter, keepsLabels: Bool) throws
    -> FixturePass.Found
  {
    let pass = FixturePass(suite: suite, filter: filter, validates: true, keepsLabels: keepsLabels)
    try FixtureStream(files: suite.fixtureFiles).forEachThread { pass.see($0) }
    return try checked(pass.found, suite: suite, filter: filter)
  }

  /// What a whole pass over the fixtures found, once its problems are thrown.
  ///
  /// - Throws: ``SuiteProblems`` for validation's errors (its warnings go to ``warn``), the
  ///   ``ProbeError`` of a `--thread` pattern that matched no thread.
  private func checked(_ found: FixturePass.Found, suite: Suite, filter: ThreadFilter) throws
    -> FixturePass.Found
  {
    if let validation = found.validation {
      for warning in validation.warnings { warn(warning) }
      try validation.check()
    }
    try found.checkFilter(filter, suite: suite.name)
    return found
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
