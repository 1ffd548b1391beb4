import RefoldCore

/// One golden thread of a run as an evaluation hands it on: the thread's events and the cases
/// scored on it, in case order (its step cases by step, then its loop case).
///
/// An evaluation produces a run thread by thread, in fixture order; the writers of its
/// results, reports and stored rows take each as it comes and keep none, so a suite of any
/// size is written in the memory of the threads in flight.
public struct ThreadCases: Sendable, Hashable {
  /// The thread's id.
  public var thread: String
  /// The golden thread's events (empty when the run keeps no threads).
  public var events: [Event]
  /// The thread's cases, in case order.
  public var cases: [CaseResult]
  /// Each case as compact JSON (``ResultsWriter/compactCase(_:)``), or empty.
  ///
  /// An evaluation encodes them in the task that scored the thread (concurrently, one thread
  /// per task); writers use these bytes rather than encode each case again.
  public var encodedCases: [[UInt8]]
  /// The events encoded once (as the evaluation encoded them beside the cases), or nil.
  public var compactEvents: CompactThread?

  public init(
    thread: String, events: [Event], cases: [CaseResult], encodedCases: [[UInt8]] = [],
    compactEvents: CompactThread? = nil
  ) {
    self.thread = thread
    self.events = events
    self.cases = cases
    self.encodedCases = encodedCases
    self.compactEvents = compactEvents
  }

  /// The events' row in a run store: from the encoded events when there are some.
  public var threadRow: StoredRun.ThreadRow {
    compactEvents.map { StoredRun.ThreadRow(thread: thread, compact: $0) }
      ?? StoredRun.ThreadRow(thread: thread, events: events)
  }

  /// Case `index` as compact JSON: the bytes the evaluation encoded, or encoded now.
  public func encodedCase(_ index: Int) throws -> [UInt8] {
    index < encodedCases.count ? encodedCases[index] : try ResultsWriter.compactCase(cases[index])
  }

  /// A whole run's threads in the order its cases first name them: the cases of each thread
  /// together, with the thread's events from `results.threads` (none when it has none).
  ///
  /// Threads the results hold without a case come last, by id, so a run read back from a
  /// file or a store hands on what an evaluation handed on.
  public static func split(_ results: RunResults) -> [ThreadCases] {
    var order: [String] = []
    var byThread: [String: [CaseResult]] = [:]
    for result in results.cases {
      if byThread[result.thread] == nil { order.append(result.thread) }
      byThread[result.thread, default: []].append(result)
    }
    let threads = results.threads ?? [:]
    var split = order.map { thread in
      ThreadCases(thread: thread, events: threads[thread] ?? [], cases: byThread[thread] ?? [])
    }
    for thread in threads.keys.sorted() where byThread[thread] == nil {
      split.append(ThreadCases(thread: thread, events: threads[thread] ?? [], cases: []))
    }
    return split
  }
}

/// What pairing and gating read of a case: its id, where it is, and how it was judged.
///
/// A run keeps an outline of every case while its full cases stream to disk (about a tenth
/// of a case's memory), so the gate's regression test and the comparisons of a run of any
/// size need no case in memory.
public struct CaseOutline: Sendable, Hashable {
  public var id: String
  public var thread: String
  /// `step` or `loop`.
  public var mode: String
  public var step: Int?
  public var verdict: CaseResult.Verdict
  /// The expected intent's name.
  public var expected: String?
  /// The model's intent's name.
  public var actual: String?

  public init(
    id: String, thread: String, mode: String, step: Int?, verdict: CaseResult.Verdict,
    expected: String?, actual: String?
  ) {
    self.id = id
    self.thread = thread
    self.mode = mode
    self.step = step
    self.verdict = verdict
    self.expected = expected
    self.actual = actual
  }

  public init(_ result: CaseResult) {
    id = result.id
    thread = result.thread
    mode = result.mode
    step = result.step
    verdict = result.verdict
    expected = result.expected?.name
    actual = result.actual?.name
  }

  /// The case passed.
  public var passed: Bool { verdict == .pass }
}

/// A run as pairing and gating read it: its info, summary and every case's outline, in case
/// order.
public struct RunOutline: Sendable, Hashable {
  public var run: RunInfo
  public var summary: RunSummary
  public var cases: [CaseOutline]

  public init(run: RunInfo, summary: RunSummary, cases: [CaseOutline]) {
    self.run = run
    self.summary = summary
    self.cases = cases
  }
}

extension RunResults {
  /// The run's outline: its info, summary and each case's outline.
  public var outline: RunOutline {
    RunOutline(run: run, summary: summary, cases: cases.map(CaseOutline.init))
  }
}
