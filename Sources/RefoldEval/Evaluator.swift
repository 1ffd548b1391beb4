import RefoldCore
import RefoldShared

/// Runs one variant of a suite over its golden threads, in step and/or loop mode, and scores
/// the cases.
///
/// Threads run concurrently (at most ``Options/concurrency`` at a time), but cases reach the
/// sink and the results in fixture order, so two runs over the same cassette give the same
/// file. Cases stream to the sink (a `ResultsWriter`, a progress line) and to a
/// ``Scorer`` as each thread completes; with ``Options/keepsCases`` off nothing else holds
/// them, and memory stays flat however many decisions the suite has.
///
/// ```swift
/// let evaluator = Evaluator(spec: suite.spec(for: variant), decider: decider,
///                           expectations: suite.expectations,
///                           options: .init(modes: suite.modes))
/// let outcome = try await evaluator.run(threads: try suite.loadThreads(), info: info) {
///   try writer.append($0)
/// }
/// ```
public struct Evaluator: Sendable {
  /// How a run goes.
  public struct Options: Sendable {
    public var modes: [ReplayMode]
    /// Threads in flight at once.
    public var concurrency: Int
    public var retention: ContextRetention
    /// Stop at the first source error.
    ///
    /// Its thread asks no more decisions and no new thread starts (threads already running
    /// finish). Off: every decision is asked, and each
    /// source error is a `source_error` case. Either way source errors are reported in
    /// ``EvaluationOutcome/sourceFailures`` and the CLI exits with code 3.
    public var stopOnSourceError: Bool
    /// Only the threads of this shard.
    public var shard: Shard?
    /// Keep the cases in the returned ``RunResults`` (off for very large runs that stream
    /// them to a writer).
    public var keepsCases: Bool
    /// Put the golden threads into the results, for timelines in reports.
    public var includesThreads: Bool
    /// Timestamps for events produced in loop mode.
    public var clock: AgentLoop.Clock

    public init(
      modes: [ReplayMode] = [.step], concurrency: Int = 4, retention: ContextRetention = .failing,
      stopOnSourceError: Bool = false, shard: Shard? = nil, keepsCases: Bool = true,
      includesThreads: Bool = false, clock: @escaping AgentLoop.Clock = AgentLoop.systemClock
    ) {
      self.modes = modes
      self.concurrency = concurrency
      self.retention = retention
      self.stopOnSourceError = stopOnSourceError
      self.shard = shard
      self.keepsCases = keepsCases
      self.includesThreads = includesThreads
      self.clock = clock
    }
  }

  public var spec: AgentSpec
  public var decider: any Decider
  public var expectations: Expectations
  public var options: Options
  /// Answers the `judge` and `similar` matchers of step replay (nil: the suite names none).
  public var judge: (any ParameterJudge)?
  /// The judge checked against people's labels, kept in the run's summary (nil: no labels).
  public var judgeCalibration: JudgeCalibrationSummary?

  public init(
    spec: AgentSpec, decider: any Decider, expectations: Expectations = .none,
    options: Options = Options()
  ) {
    self.spec = spec
    self.decider = decider
    self.expectations = expectations
    self.options = options
  }

  /// A thread's cases, produced by one child task.
  private struct ThreadOutcome: Sendable {
    var index: Int
    var cases: [CaseResult]
    var failures: [SuiteError]
  }

  /// Evaluates `threads` (each a golden thread's events) and returns the scored results.
  ///
  /// - Throws: only what `sink` throws (a full disk); model source failures are cases.
  public func run(
    threads: [[Event]], info: RunInfo,
    sink: (CaseResult) async throws -> Void = { _ in }
  ) async throws -> EvaluationOutcome {
    let selected = threads.filter { events in
      guard let shard = options.shard, let id = events.first?.thread else { return true }
      return shard.includes(id)
    }
    var scorer = Scorer()
    var kept: [CaseResult] = []
    var failures: [SuiteError] = []
    let reducer = spec.reducer
    let decider = self.decider
    let expectations = self.expectations
    let retention = options.retention
    let clock = options.clock
    let modes = options.modes
    let stopOnSourceError = options.stopOnSourceError
    let judge = self.judge

    try await withThrowingTaskGroup(of: ThreadOutcome.self) { group in
      var started = 0
      func start() {
        let index = started
        let events = selected[index]
        started += 1
        group.addTask {
          let golden = GoldenThread(events: events, reducer: reducer)
          var outcome = ThreadOutcome(index: index, cases: [], failures: [])
          // Each replay is its own session: recorded answers count from the first again.
          if modes.contains(.step) {
            var step = StepReplay(
              reducer: reducer, decider: decider.session(), expectations: expectations,
              retention: retention, stopOnSourceError: stopOnSourceError)
            step.judge = judge?.session()
            let replayed = await step.run(golden)
            outcome.cases += replayed.cases
            outcome.failures += replayed.sourceFailures
          }
          if modes.contains(.loop), !(stopOnSourceError && !outcome.failures.isEmpty),
            let replayed = await LoopReplay(
              reducer: reducer, decider: decider.session(), expectations: expectations,
              retention: retention, clock: clock
            ).run(golden)
          {
            outcome.cases.append(replayed.result)
            if let failure = replayed.sourceFailure { outcome.failures.append(failure) }
          }
          return outcome
        }
      }
      for _ in 0..<min(max(1, options.concurrency), selected.count) { start() }
      var waiting: [Int: ThreadOutcome] = [:]
      var nextToEmit = 0
      var stopping = false
      while let finished = try await group.next() {
        waiting[finished.index] = finished
        if stopOnSourceError, !finished.failures.isEmpty { stopping = true }
        while let ready = waiting.removeValue(forKey: nextToEmit) {
          for result in ready.cases {
            scorer.add(result)
            try await sink(result)
            if options.keepsCases { kept.append(result) }
          }
          failures += ready.failures
          nextToEmit += 1
        }
        if !stopping, started < selected.count { start() }
      }
    }
    var threadMap: [String: [Event]]?
    if options.includesThreads {
      threadMap = [:]
      for events in selected {
        if let id = events.first?.thread { threadMap?[id] = events }
      }
    }
    var runInfo = info
    if let shard = options.shard { runInfo.shard = shard.description }
    var summary = scorer.summary
    summary.judgeCalibration = judgeCalibration
    let results = RunResults(
      run: runInfo, summary: summary, byIntent: scorer.breakdown, cases: kept,
      threads: threadMap)
    return EvaluationOutcome(
      results: results, sourceFailures: failures, threadCount: selected.count)
  }

  /// Evaluates `variant` of `suite` over the suite's fixtures.
  ///
  /// Uses the spec with the variant's overrides and the suite's expectations, in `modes`
  /// (the suite's modes when nil, as without `--mode`).
  public static func run(
    suite: Suite, variant: Variant, decider: any Decider, info: RunInfo,
    modes: [ReplayMode]? = nil, options: Options = Options(),
    sink: (CaseResult) async throws -> Void = { _ in }
  ) async throws -> EvaluationOutcome {
    var options = options
    options.modes = modes ?? suite.modes(for: variant)
    let evaluator = Evaluator(
      spec: suite.spec(for: variant), decider: decider, expectations: suite.expectations,
      options: options)
    return try await evaluator.run(threads: try suite.loadThreads(), info: info, sink: sink)
  }
}

/// The results of one evaluation, and the source failures the caller must report.
public struct EvaluationOutcome: Sendable, Hashable {
  public var results: RunResults
  /// One entry per `source_error` case, in case order; non-empty means exit code 3.
  public var sourceFailures: [SuiteError]
  /// Golden threads evaluated (after sharding).
  public var threadCount: Int
}
