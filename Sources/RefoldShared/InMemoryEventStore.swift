import RefoldCore
import Synchronization

/// An ``EventStore`` in memory: the test double, and the store for one-off replays of files.
public final class InMemoryEventStore: EventStore {
  private let storage = Mutex<[String: [Event]]>([:])
  private let reducer: ThreadReducer

  public init(reducer: ThreadReducer = ThreadReducer()) {
    self.reducer = reducer
  }

  @discardableResult
  public func append(_ lines: [EventLine]) throws -> AppendResult {
    try storage.withLock { threads in
      var working = threads
      let result = try Self.apply(lines, to: &working, expected: nil)
      threads = working
      return result
    }
  }

  @discardableResult
  public func append(_ lines: [EventLine], to thread: String, expectedNextSeq: Int) throws
    -> [Event]
  {
    try storage.withLock { threads in
      var working = threads
      let actual = working[thread]?.count ?? 0
      guard actual == expectedNextSeq else {
        throw EventStoreError.versionConflict(
          thread: thread, expected: expectedNextSeq, actual: actual)
      }
      let retargeted = lines.map { line -> EventLine in
        var line = line
        line.thread = thread
        return line
      }
      let result = try Self.apply(retargeted, to: &working, expected: nil)
      threads = working
      return result.written
    }
  }

  public func events(in thread: String) throws -> [Event] {
    storage.withLock { $0[thread] ?? [] }
  }

  public func threads() throws -> [ThreadSummary] {
    let snapshot = storage.withLock { $0 }
    return snapshot.keys.sorted().map { thread in
      let events = snapshot[thread] ?? []
      return ThreadSummary(
        thread: thread, eventCount: events.count, state: reducer.fold(events),
        lastType: events.last?.type, lastAt: events.last(where: { $0.at != nil })?.at)
    }
  }

  @discardableResult
  public func fork(_ thread: String, at count: Int, as newThread: String) throws -> [Event] {
    try storage.withLock { threads in
      guard let source = threads[thread] else { throw EventStoreError.unknownThread(thread) }
      guard threads[newThread] == nil else { throw EventStoreError.threadExists(newThread) }
      guard count >= 0, count <= source.count else {
        throw EventStoreError.invalidFork(thread: thread, count: count, available: source.count)
      }
      let copied = source.prefix(count).map { event -> Event in
        var event = event
        event.thread = newThread
        return event
      }
      threads[newThread] = copied
      return copied
    }
  }

  /// The shared append rules, applied to a working copy; the caller commits on success.
  static func apply(
    _ lines: [EventLine], to threads: inout [String: [Event]], expected: Int?
  ) throws -> AppendResult {
    var result = AppendResult()
    var idIndex: [String: [String: Int]] = [:]
    for line in lines {
      var events = threads[line.thread] ?? []
      if let id = line.id {
        if idIndex[line.thread] == nil {
          var index: [String: Int] = [:]
          for (offset, event) in events.enumerated() {
            if let eventID = event.id { index[eventID] = offset }
          }
          idIndex[line.thread] = index
        }
        if let offset = idIndex[line.thread]?[id] {
          let stored = events[offset]
          if stored.matches(line) {
            result.skipped += 1
            continue
          }
          throw EventStoreError.idConflict(thread: line.thread, id: id)
        }
      }
      let next = events.count
      if let seq = line.seq, seq != next {
        // An id-less line whose position holds the same id-less event is a re-import.
        if line.id == nil, seq < next, events[seq].id == nil, events[seq].matches(line) {
          result.skipped += 1
          continue
        }
        throw EventStoreError.versionConflict(thread: line.thread, expected: seq, actual: next)
      }
      let event = line.event(seq: next)
      events.append(event)
      if let id = line.id { idIndex[line.thread, default: [:]][id] = next }
      threads[line.thread] = events
      result.written.append(event)
    }
    return result
  }
}

extension Event {
  /// Whether a stored event carries the same content as an incoming line (for idempotent ids).
  public func matches(_ line: EventLine) -> Bool {
    thread == line.thread && type == line.type && data == line.data && meta == line.meta
      && at == line.at && (line.seq == nil || line.seq == seq)
  }
}
