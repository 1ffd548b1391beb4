import Synchronization

/// A clock whose time moves only when a test moves it; a task that sleeps on it wakes when
/// the test has advanced the clock to its deadline.
///
/// Retries, backoff and timeouts run on it without real waiting:
///
/// ```swift
/// let clock = TestClock()
/// async let answer = client.send(body)            // sleeps 1 s after a 429
/// await clock.advanceWhenDue(by: .seconds(1))
/// let result = try await answer
/// ```
public final class TestClock: Clock, Sendable {
  /// A point on the test clock: the time advanced since it was made.
  public struct Instant: InstantProtocol {
    public var offset: Duration

    public init(offset: Duration) { self.offset = offset }

    public func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }

    public func duration(to other: Instant) -> Duration { other.offset - offset }

    public static func < (left: Instant, right: Instant) -> Bool { left.offset < right.offset }
  }

  private struct Sleeper {
    let id: Int
    let deadline: Instant
    let continuation: CheckedContinuation<Void, any Error>
  }

  private struct Watcher {
    let latest: Instant
    let continuation: CheckedContinuation<Void, Never>
  }

  private struct State {
    var now = Instant(offset: .zero)
    var sleepers: [Sleeper] = []
    var watchers: [Watcher] = []
    var cancelled: Set<Int> = []
    var nextID = 0
    /// Every sleep asked for, as the duration from the time it was asked.
    var requested: [Duration] = []
  }

  private let state = Mutex(State())

  public init() {}

  public var now: Instant { state.withLock { $0.now } }

  public var minimumResolution: Duration { .zero }

  /// The durations of every sleep asked for so far, in order.
  public var requestedSleeps: [Duration] { state.withLock { $0.requested } }

  public func sleep(until deadline: Instant, tolerance: Duration? = nil) async throws {
    let id = state.withLock { state in
      state.nextID += 1
      state.requested.append(state.now.duration(to: deadline))
      return state.nextID
    }
    try await withTaskCancellationHandler {
      try await withCheckedThrowingContinuation {
        (continuation: CheckedContinuation<Void, any Error>) in
        enum Start {
          case due, cancelled
          case waiting([Watcher])
        }
        let start = state.withLock { state -> Start in
          if state.cancelled.remove(id) != nil { return .cancelled }
          if deadline <= state.now { return .due }
          state.sleepers.append(Sleeper(id: id, deadline: deadline, continuation: continuation))
          let due = state.watchers.filter { deadline <= $0.latest }
          state.watchers.removeAll { deadline <= $0.latest }
          return .waiting(due)
        }
        switch start {
        case .due: continuation.resume()
        case .cancelled: continuation.resume(throwing: CancellationError())
        case .waiting(let watchers): for watcher in watchers { watcher.continuation.resume() }
        }
      }
    } onCancel: {
      let sleeper = state.withLock { state -> Sleeper? in
        guard let index = state.sleepers.firstIndex(where: { $0.id == id }) else {
          state.cancelled.insert(id)
          return nil
        }
        return state.sleepers.remove(at: index)
      }
      sleeper?.continuation.resume(throwing: CancellationError())
    }
  }

  /// Moves time forward by `duration`, waking every sleeper whose deadline has come.
  public func advance(by duration: Duration) {
    let due = state.withLock { state -> [Sleeper] in
      state.now = state.now.advanced(by: duration)
      let now = state.now
      let due = state.sleepers.filter { $0.deadline <= now }
      state.sleepers.removeAll { $0.deadline <= now }
      return due
    }
    for sleeper in due { sleeper.continuation.resume() }
  }

  /// Waits until some task sleeps until no later than `window` from now (a real readiness
  /// signal: it returns as soon as that sleep has begun), without moving time.
  public func waitForSleeper(dueWithin window: Duration) async {
    await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
      let ready = state.withLock { state -> Bool in
        let latest = state.now.advanced(by: window)
        if state.sleepers.contains(where: { $0.deadline <= latest }) { return true }
        state.watchers.append(Watcher(latest: latest, continuation: continuation))
        return false
      }
      if ready { continuation.resume() }
    }
  }

  /// Waits until some task sleeps until no later than `duration` from now, then advances the
  /// clock by `duration`, waking it.
  public func advanceWhenDue(by duration: Duration) async {
    await waitForSleeper(dueWithin: duration)
    advance(by: duration)
  }
}
