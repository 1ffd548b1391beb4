import Dispatch
import Synchronization

/// Work run one item at a time, in order, on a queue of its own, at most ``capacity`` items
/// behind the caller: what lets an evaluation's reports be written while its threads are
/// scored, without the reports falling behind without bound.
///
/// Items go to the queue ``batch`` at a time (the rest with ``drain()``): the queue's thread
/// is woken once for that many items, not for each one.
///
/// The first item that throws stops the rest (they are skipped) and is thrown by the next
/// ``submit(_:)`` and by ``drain()``.
final class SerialPump: Sendable {
  typealias Work = @Sendable () throws -> Void

  /// Items that may wait, at most.
  let capacity: Int
  /// Items handed to the queue at once.
  let batch: Int
  private let queue: DispatchQueue
  private let room = DispatchSemaphore(value: 0)
  private let failure = Mutex<(any Error)?>(nil)
  /// Items submitted and not yet handed to the queue.
  private let pending = Mutex<[Work]>([])

  init(label: String, capacity: Int, batch: Int = 8) {
    self.capacity = max(1, capacity)
    self.batch = min(max(1, batch), self.capacity)
    queue = DispatchQueue(label: label)
    // Made at 0 and signalled up: a semaphore made with a value traps when it is released
    // below it, as a pump abandoned with items waiting would leave it.
    for _ in 0..<self.capacity { room.signal() }
  }

  /// Queues `work`, waiting while ``capacity`` items wait.
  ///
  /// - Throws: what an earlier item threw.
  func submit(_ work: @escaping Work) throws {
    if let failed = failure.withLock({ $0 }) { throw failed }
    room.wait()
    let ready: [Work] = pending.withLock { pending in
      pending.append(work)
      guard pending.count >= batch else { return [] }
      defer { pending = [] }
      return pending
    }
    if !ready.isEmpty { hand(ready) }
  }

  /// Waits for every queued item.
  ///
  /// - Throws: what the first failing item threw.
  func drain() throws {
    let rest = pending.withLock { pending in
      defer { pending = [] }
      return pending
    }
    if !rest.isEmpty { hand(rest) }
    queue.sync {}
    if let failed = failure.withLock({ $0 }) { throw failed }
  }

  private func hand(_ items: [Work]) {
    queue.async { [self] in
      for work in items {
        defer { room.signal() }
        guard failure.withLock({ $0 == nil }) else { continue }
        do {
          try work()
        } catch {
          failure.withLock { failed in if failed == nil { failed = error } }
        }
      }
    }
  }
}
