import Foundation

/// A ``RunWriter`` that stores a run's rows as the evaluation hands on its threads: batched,
/// on a thread of its own, through a bounded queue.
///
/// ``add(_:)`` queues a thread and returns; the writer's thread takes what is queued once a
/// batch's worth of cases is there (or the run finishes) and hands it to the store's
/// ``RunRowSink`` in one transaction, so the evaluation does not wait for the disk and no
/// lock is held for longer than one batch. When the queue is full, ``add(_:)`` waits: the
/// writer holds at most about two batches of the run in memory. While the evaluation is
/// quiet (a slow model) the writer marks the pending run alive about once a minute.
///
/// A failure on the writer's thread is thrown by the next ``add(_:)`` or by ``finish(_:)``.
/// A writer released without ``finish(_:)`` or ``abandon()`` abandons the run.
public final class StreamingRunWriter: RunWriter, Sendable {
  private let queue: Queue
  private let sink: any RunRowSink

  /// Starts a writer on `sink`.
  ///
  /// - Parameters:
  ///   - batchCases: how many cases a batch holds before it is written.
  ///   - heartbeat: how long the writer waits, idle, before it marks the run alive.
  public init(sink: any RunRowSink, batchCases: Int = 512, heartbeat: Duration = .seconds(60)) {
    let queue = Queue(batchCases: max(1, batchCases), heartbeat: heartbeat)
    self.queue = queue
    self.sink = sink
    let worker = Thread { queue.drain(into: sink) }
    worker.name = "refold run writer"
    worker.start()
  }

  deinit {
    if queue.close(.abandon) { sink.abandon() }
  }

  public func add(_ thread: ThreadCases) throws {
    try queue.add(thread)
  }

  public func finish(_ head: RunResults) throws {
    do {
      try queue.finish()
      try sink.finish(head)
      queue.markClosed()
    } catch {
      queue.markClosed()
      sink.abandon()
      throw error
    }
  }

  public func abandon() {
    if queue.close(.abandon) { sink.abandon() }
  }
}

extension StreamingRunWriter {
  /// The threads waiting to be written and the state the caller and the writer's thread
  /// share, under one condition lock.
  final class Queue: @unchecked Sendable {
    // Every stored property below is read and written only with `condition` locked.
    private let condition = NSCondition()
    private let batchCases: Int
    private let heartbeat: Duration
    private var waiting: [ThreadCases] = []
    private var waitingCases = 0
    private var failure: (any Error)?
    private var stop: Stop?
    private var stopped = false
    private var closed = false

    /// Why the writer's thread is asked to stop.
    enum Stop {
      /// Write what is queued, then stop.
      case finish
      /// Stop without writing what is queued.
      case abandon
    }

    init(batchCases: Int, heartbeat: Duration) {
      self.batchCases = batchCases
      self.heartbeat = heartbeat
    }

    /// Queues a thread; waits while two batches' worth of cases are queued.
    func add(_ thread: ThreadCases) throws {
      condition.lock()
      defer { condition.unlock() }
      precondition(stop == nil, "RunWriter.add(_:) after finish(_:) or abandon()")
      while failure == nil, waitingCases >= 2 * batchCases { condition.wait() }
      if let failure { throw failure }
      waiting.append(thread)
      waitingCases += max(1, thread.cases.count)
      if waitingCases >= batchCases { condition.broadcast() }
    }

    /// Asks the writer's thread to write what is queued and waits until it has stopped.
    func finish() throws {
      condition.lock()
      defer { condition.unlock() }
      precondition(stop == nil, "RunWriter.finish(_:) after finish(_:) or abandon()")
      stop = .finish
      condition.broadcast()
      while !stopped { condition.wait() }
      if let failure { throw failure }
    }

    /// Stops the writer's thread (when it runs) and says whether the caller should abandon
    /// the run's rows: true the first time the writer closes.
    func close(_ reason: Stop) -> Bool {
      condition.lock()
      defer { condition.unlock() }
      if stop == nil { stop = reason }
      condition.broadcast()
      while !stopped { condition.wait() }
      guard !closed else { return false }
      closed = true
      return true
    }

    /// Records that the run was finished or abandoned by the caller.
    func markClosed() {
      condition.lock()
      closed = true
      condition.unlock()
    }

    /// The writer's thread: hands batches to `sink` until asked to stop.
    func drain(into sink: any RunRowSink) {
      condition.lock()
      var idleSince = ContinuousClock.now
      while true {
        if stop == .abandon || failure != nil { break }
        let due = waitingCases >= batchCases || (stop == .finish && !waiting.isEmpty)
        if !due {
          if stop == .finish { break }
          let seconds =
            Double(heartbeat.components.seconds)
            + Double(heartbeat.components.attoseconds) / 1e18
          let timedOut = !condition.wait(until: Date(timeIntervalSinceNow: seconds))
          if timedOut, stop == nil, waitingCases < batchCases,
            ContinuousClock.now - idleSince >= heartbeat
          {
            condition.unlock()
            let result = Result { try sink.heartbeat() }
            condition.lock()
            if case .failure(let error) = result { failure = error }
            idleSince = ContinuousClock.now
          }
          continue
        }
        let batch = waiting
        waiting = []
        waitingCases = 0
        condition.broadcast()
        condition.unlock()
        let result = Result { try sink.write(batch) }
        condition.lock()
        if case .failure(let error) = result { failure = error }
        idleSince = ContinuousClock.now
      }
      waiting = []
      waitingCases = 0
      stopped = true
      condition.broadcast()
      condition.unlock()
    }
  }
}
