import Foundation

/// The state of one connection's busy handler: when the current wait began and when it was
/// last reported.
///
/// Owned by one ``SQLiteConnection`` and called only on the thread using it, from inside
/// SQLite.
final class BusyWaiter {
  let policy: BusyPolicy
  private let clock = ContinuousClock()
  private var started: ContinuousClock.Instant?
  private var reported: Duration = .zero
  /// SQLite's documented back-off for its own busy timeout, in milliseconds.
  private static let delays: [Int] = [1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100]

  init(policy: BusyPolicy) {
    self.policy = policy
  }

  /// Whether SQLite should try again after its `count`-th attempt at a lock; sleeps first.
  func shouldRetry(count: Int) -> Bool {
    let now = clock.now
    if count == 0 || started == nil {
      started = now
      reported = .zero
    }
    let waited = now - (started ?? now)
    guard waited < policy.timeout else { return false }
    if waited - reported >= .seconds(1) {
      reported = waited
      policy.onWait?(waited)
    }
    let delay = Self.delays[min(count, Self.delays.count - 1)]
    let remaining = policy.timeout - waited
    let milliseconds = min(
      Double(delay),
      Double(remaining.components.seconds) * 1000
        + Double(remaining.components.attoseconds) / 1e15)
    usleep(useconds_t(max(1, milliseconds) * 1000))
    return true
  }

  /// Runs `body` again while it fails because the database is busy in a way SQLite does not
  /// wait for itself (changing the journal mode of a new file), for up to the timeout.
  func retryingBusy<Result>(_ body: () throws -> Result) throws -> Result {
    let start = clock.now
    var attempt = 0
    while true {
      do {
        return try body()
      } catch let error as StoreError {
        guard let code = error.resultCode, code & 0xFF == 5, clock.now - start < policy.timeout
        else { throw error }
        attempt += 1
        usleep(useconds_t(Self.delays[min(attempt, Self.delays.count - 1)] * 1000))
      }
    }
  }
}
