import Dispatch
import Synchronization

/// Work run one item at a time, in order, on a queue of its own, at most ``capacity`` items
/// behind the caller: what lets an evaluation's reports be written while its threads are
/// scored, without the reports falling behind without bound.
///
/// The first item that throws stops the rest (they are skipped) and is thrown by the next
/// ``submit(_:)`` and by ``drain()``.
final class SerialPump: Sendable {
  /// Items that may wait, at most.
  let capacity: Int
  private let queue: DispatchQueue
  private let room = DispatchSemaphore(value: 0)
  private let failure = Mutex<(any Error)?>(nil)

  init(label: String, capacity: Int) {
    self.capacity = max(1, capacity)
    queue = DispatchQueue(label: label)
    // Made at 0 and signalled up: a semaphore made with a value traps when it is released
    // below it, as a pump abandoned with items waiting would leave it.
    for _ in 0..<self.capacity { room.signal() }
  }

  /// Queues `work`, waiting while ``capacity`` items wait.
  ///
  /// - Throws: what an earlier item threw.
  func submit(_ work: @escaping @Sendable () throws -> Void) throws {
    if let failed = failure.withLock({ $0 }) { throw failed }
    room.wait()
    queue.async { [self] in
      defer { room.signal() }
      guard failure.withLock({ $0 == nil }) else { return }
      do {
        try work()
      } catch {
        failure.withLock { failed in if failed == nil { failed = error } }
      }
    }
  }

  /// Waits for every queued item.
  ///
  /// - Throws: what the first failing item threw.
  func drain() throws {
    queue.sync {}
    if let failed = failure.withLock({ $0 }) { throw failed }
  }
}
