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
    /// Encode each case as compact JSON where it is scored (``ThreadCases/encodedCases``),
    /// so that the writers the cases are handed to do not encode them on the one task that
    /// hands them on.
    public var encodesCases = false

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
    var thread: String
    var events: [Event]
    var cases: [CaseResult]
    /// Each case as compact JSON, when the run encodes them (empty for one that fails to).
    var encoded: [[UInt8]] = []
    /// The thread's events encoded once, when the run encodes its cases and keeps threads.
    var compact: CompactThread?
    var failures: [SuiteError]
  }

  /// Evaluates `threads` (each a golden thread's events) and returns the scored results.
  ///
  /// - Throws: only what `sink` throws (a full disk); model source failures are cases.
  public func run(
    threads: [[Event]], info: RunInfo,
    sink: (CaseResult) async throws -> Void = { _ in }
  ) async throws -> EvaluationOutcome {
    var remaining = threads[...]
    return try await run(
      next: { remaining.popFirst() }, info: info, handOn: { _ in }, sink: sink)
  }

  /// Evaluates the threads `next` gives, one after another until it gives nil, handing each
  /// thread's cases on as the thread is scored.
  ///
  /// At most ``Options/concurrency`` threads are replayed at once, and a thread is asked of
  /// `next` only when one finishes; threads that finish before an earlier one wait for it (at
  /// most a few times the concurrency), so `handOn` and `sink` see threads and cases in the
  /// order `next` gave them. With ``Options/keepsCases`` off nothing holds a case or a thread
  /// after `handOn` returns: the outcome keeps each case's ``CaseOutline``.
  ///
  /// - Throws: what `next`, `handOn` or `sink` throw; model source failures are cases.
  public func run(
    next: () async throws -> [Event]?, info: RunInfo,
    handOn: (ThreadCases) async throws -> Void,
    sink: (CaseResult) async throws -> Void = { _ in }
  ) async throws -> EvaluationOutcome {
    var scorer = Scorer()
    var kept: [CaseResult] = []
    var outlines: [CaseOutline] = []
    var failures: [SuiteError] = []
    var threadMap: [String: [Event]]?
    if options.includesThreads && options.keepsCases { threadMap = [:] }
    var threadCount = 0
    let reducer = spec.reducer
    let decider = self.decider
    let expectations = self.expectations
    let retention = options.retention
    let clock = options.clock
    let modes = options.modes
    let stopOnSourceError = options.stopOnSourceError
    let judge = self.judge
    let shard = options.shard
    let includesThreads = options.includesThreads
    let encodesCases = options.encodesCases
    let concurrency = max(1, options.concurrency)
    // Threads finished ahead of the next one to hand on, at most.
    let window = 4 * concurrency + 16

    try await withThrowingTaskGroup(of: ThreadOutcome.self) { group in
      var started = 0
      var exhausted = false
      var running = 0
      func start() async throws {
        while !exhausted {
          guard let events = try await next() else {
            exhausted = true
            return
          }
          if let shard, let id = events.first?.thread, !shard.includes(id) { continue }
          let index = started
          started += 1
          running += 1
          group.addTask {
            let golden = GoldenThread(events: events, reducer: reducer)
            var outcome = ThreadOutcome(
              index: index, thread: golden.id, events: includesThreads ? events : [], cases: [],
              failures: [])
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
            if encodesCases {
              outcome.encoded = outcome.cases.map { (try? ResultsWriter.compactCase($0)) ?? [] }
              if includesThreads { outcome.compact = CompactThread(events) }
            }
            return outcome
          }
          return
        }
      }
      for _ in 0..<concurrency { try await start() }
      var waiting: [Int: ThreadOutcome] = [:]
      var nextToEmit = 0
      var stopping = false
      while let finished = try await group.next() {
        running -= 1
        waiting[finished.index] = finished
        if stopOnSourceError, !finished.failures.isEmpty { stopping = true }
        while let ready = waiting.removeValue(forKey: nextToEmit) {
          for result in ready.cases {
            scorer.add(result)
            outlines.append(CaseOutline(result))
            try await sink(result)
            if options.keepsCases { kept.append(result) }
          }
          if threadMap != nil, !ready.thread.isEmpty { threadMap?[ready.thread] = ready.events }
          try await handOn(
            ThreadCases(
              thread: ready.thread, events: ready.events, cases: ready.cases,
              encodedCases: ready.encoded.contains(where: \.isEmpty) ? [] : ready.encoded,
              compactEvents: ready.compact))
          failures += ready.failures
          threadCount += 1
          nextToEmit += 1
        }
        // Top up to the concurrency, unless too many threads wait for a slow one.
        while !stopping, !exhausted, running < concurrency, waiting.count < window {
          try await start()
        }
      }
    }
    var runInfo = info
    if let shard = options.shard { runInfo.shard = shard.description }
    var summary = scorer.summary
    summary.judgeCalibration = judgeCalibration
    let results = RunResults(
      run: runInfo, summary: summary, byIntent: scorer.breakdown, cases: kept,
      threads: includesThreads && options.keepsCases ? threadMap : nil)
    return EvaluationOutcome(
      results: results, sourceFailures: failures, threadCount: threadCount, outlines: outlines)
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
  /// Every case's outline, in case order (kept whether or not the results keep the cases).
  public var outlines: [CaseOutline] = []

  public init(results: RunResults, sourceFailures: [SuiteError], threadCount: Int) {
    self.init(
      results: results, sourceFailures: sourceFailures, threadCount: threadCount,
      outlines: results.cases.map(CaseOutline.init))
  }

  /// An outcome whose cases' outlines are given (the results may keep no cases).
  init(
    results: RunResults, sourceFailures: [SuiteError], threadCount: Int, outlines: [CaseOutline]
  ) {
    self.results = results
    self.sourceFailures = sourceFailures
    self.threadCount = threadCount
    self.outlines = outlines
  }

  /// The run's outline: its info, summary and every case's outline.
  public var outline: RunOutline {
    RunOutline(run: results.run, summary: results.summary, cases: outlines)
  }
}
