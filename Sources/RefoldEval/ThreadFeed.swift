import Foundation
import RefoldCore
import Synchronization

/// Golden threads produced on a thread of their own (read from disk, parsed, validated) and
/// handed to an evaluation as it asks for them, at most ``capacity`` ahead.
///
/// The producer blocks while the buffer is full, so reading never runs ahead of the
/// evaluation by more than `capacity` threads: memory is bounded by that, not by the suite.
/// What the producer throws ends the feed and is thrown by ``next()`` once the threads before
/// it are taken.
///
/// ```swift
/// let feed = ThreadFeed(capacity: 32) { emit in
///   try FixtureStream(files: files).forEachThread { thread in
///     guard emit(.init(events: thread.events, bytesRead: thread.bytesRead)) else {
///       throw CancellationError()
///     }
///   }
/// }
/// while let next = try await feed.next() { … }
/// ```
public final class ThreadFeed: Sendable {
  /// One thread as the feed hands it on.
  public struct Item: Sendable {
    public var events: [Event]
    /// Bytes of the fixtures read when the thread ended, for progress.
    public var bytesRead: Int

    public init(events: [Event], bytesRead: Int) {
      self.events = events
      self.bytesRead = bytesRead
    }
  }

  private struct State {
    var buffered: [Item] = []
    var head = 0
    var ended = false
    var failure: (any Error)?
    var cancelled = false
    var waiter: CheckedContinuation<Item?, any Error>?
    /// Threads taken whose room is not given back to the producer yet.
    var unreturned = 0
  }

  /// Threads the producer may read ahead of the evaluation.
  public let capacity: Int
  /// How many taken threads give their rooms back at once: a producer waiting for room
  /// is woken once for that many threads, not for each.
  private let returnBatch: Int
  private let state = Mutex(State())
  private let room: DispatchSemaphore
  private let done = DispatchSemaphore(value: 0)

  /// Starts `produce` on its own thread; it calls `emit` with each thread, which waits for
  /// room and returns false once the feed is cancelled (the producer should then stop).
  public init(
    capacity: Int, produce: @escaping @Sendable (_ emit: (Item) -> Bool) throws -> Void
  ) {
    self.capacity = max(1, capacity)
    returnBatch = max(1, self.capacity / 2)
    // Made at 0 and signalled up: a semaphore made with a value may not be released below
    // it (libdispatch traps), and a cancelled feed leaves rooms taken.
    room = DispatchSemaphore(value: 0)
    for _ in 0..<self.capacity { room.signal() }
    let thread = Thread { [self] in
      let outcome = Result { try produce { self.emit($0) } }
      self.end(outcome.failureValue)
      self.done.signal()
    }
    thread.stackSize = 8 << 20
    thread.name = "refold.fixtures"
    thread.start()
  }

  /// The next thread, or nil when the producer has ended.
  ///
  /// - Throws: what the producer threw, after every thread it emitted before.
  public func next() async throws -> Item? {
    switch state.withLock({ take(&$0) }) {
    case .item(let item, let rooms):
      for _ in 0..<rooms { room.signal() }
      return item
    case .end(let failure):
      if let failure { throw failure }
      return nil
    case .wait:
      return try await withCheckedThrowingContinuation { continuation in
        let taken: Taken = state.withLock { state in
          let taken = take(&state)
          if case .wait = taken { state.waiter = continuation }
          return taken
        }
        switch taken {
        case .item(let item, let rooms):
          for _ in 0..<rooms { room.signal() }
          continuation.resume(returning: item)
        case .end(let failure?):
          continuation.resume(throwing: failure)
        case .end(nil):
          continuation.resume(returning: nil)
        case .wait:
          break
        }
      }
    }
  }

  /// What ``next()`` finds: a buffered thread (with the rooms to give back now), the end,
  /// or nothing yet.
  private enum Taken {
    case item(Item, rooms: Int)
    case end((any Error)?)
    case wait
  }

  /// Takes the first buffered thread, if any.
  ///
  /// Rooms go back ``returnBatch`` at a time. While the buffer is empty the producer has
  /// room (fewer than `returnBatch` of them are held back), so it never waits for a thread
  /// that waits for it.
  private func take(_ state: inout State) -> Taken {
    guard state.head < state.buffered.count else {
      return state.ended ? .end(state.failure) : .wait
    }
    let item = state.buffered[state.head]
    state.head += 1
    if state.head == state.buffered.count {
      state.buffered.removeAll(keepingCapacity: true)
      state.head = 0
    }
    state.unreturned += 1
    guard state.unreturned >= returnBatch else { return .item(item, rooms: 0) }
    defer { state.unreturned = 0 }
    return .item(item, rooms: state.unreturned)
  }

  /// Stops the producer at its next thread and waits for it to end.
  public func cancel() {
    state.withLock { $0.cancelled = true }
    room.signal()
    done.wait()
    done.signal()
  }

  /// Waits for the producer to end (after the last thread was taken or the feed cancelled).
  public func waitUntilEnded() {
    done.wait()
    done.signal()
  }

  private func emit(_ item: Item) -> Bool {
    room.wait()
    let waiter: CheckedContinuation<Item?, any Error>? = state.withLock { state in
      if state.cancelled { return nil }
      if let waiter = state.waiter {
        state.waiter = nil
        return waiter
      }
      state.buffered.append(item)
      return nil
    }
    if state.withLock({ $0.cancelled }) {
      room.signal()
      return false
    }
    if let waiter {
      room.signal()
      waiter.resume(returning: item)
    }
    return true
  }

  private func end(_ failure: (any Error)?) {
    let waiter: CheckedContinuation<Item?, any Error>? = state.withLock { state in
      state.ended = true
      state.failure = state.cancelled ? nil : failure
      let waiter = state.waiter
      state.waiter = nil
      return waiter
    }
    guard let waiter else { return }
    if let failure, !state.withLock({ $0.cancelled }) {
      waiter.resume(throwing: failure)
    } else {
      waiter.resume(returning: nil)
    }
  }
}

extension Result {
  /// The error, when this is a failure.
  fileprivate var failureValue: Failure? {
    if case .failure(let error) = self { return error }
    return nil
  }
}
