import Foundation

/// How long a connection waits for another writer's lock, and who hears about the wait.
///
/// SQLite lets one writer at a time hold a database; the others wait in a busy handler that
/// sleeps and retries until ``timeout`` has passed, then fail with
/// ``StoreError/busy(path:timeout:writer:)``. ``onWait`` is called about once a second while
/// waiting (a progress line on a terminal).
///
/// ```swift
/// let database = try RefoldDatabase(
///   path: ".refold/refold.sqlite",
///   busy: BusyPolicy(timeout: .seconds(30)) { waited in print("waiting \(waited)") })
/// ```
public struct BusyPolicy: Sendable {
  /// How long to wait for a lock before giving up.
  public var timeout: Duration
  /// Called with the time waited so far, about once a second while waiting.
  public var onWait: (@Sendable (_ waited: Duration) -> Void)?
  /// What this process is, written where other processes find it while it writes (for
  /// example `refold import`); nil to say nothing.
  public var writer: String?

  public init(
    timeout: Duration, writer: String? = nil,
    onWait: (@Sendable (_ waited: Duration) -> Void)? = nil
  ) {
    self.timeout = timeout
    self.writer = writer
    self.onWait = onWait
  }

  /// Two minutes: long enough for the largest import a user runs.
  public static let standard = BusyPolicy(timeout: .seconds(120))
}
