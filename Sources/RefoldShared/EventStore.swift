import RefoldCore

/// Where threads live: an append-only log of events per thread.
///
/// Implementations: `SQLiteEventStore` (RefoldStore) and ``InMemoryEventStore``. One contract
/// test suite runs against both.
///
/// Appends are optimistic: a caller says which `seq` it expects the thread to continue at,
/// and a writer that lost a race gets ``EventStoreError/versionConflict(thread:expected:actual:)``
/// rather than a gap or a duplicate. An event with an `id` that the thread already holds
/// with the same content is skipped (idempotent); with different content it is a conflict.
/// An id-less event whose `seq` is taken by an id-less event with the same content is skipped
/// too (re-importing a file without ids); a different event there is a conflict.
public protocol EventStore: Sendable {
  /// Appends lines to one or more threads in one transaction: all or nothing.
  ///
  /// Lines are taken in order. A line with a `seq` must carry the thread's next `seq`; a line
  /// without one gets it. Lines whose `id` is already stored with identical content are
  /// skipped, and so are id-less lines with a `seq` that holds an id-less event with identical
  /// content. Returns what was written.
  ///
  /// - Throws: ``EventStoreError``; nothing is written when it throws.
  @discardableResult
  func append(_ lines: [EventLine]) throws -> AppendResult

  /// Appends events to one thread if it still ends where the caller last saw it.
  ///
  /// `expectedNextSeq` is the `seq` the first new event gets (the thread's event count as
  /// the caller read it). Used by the agent runtime and by concurrent writers.
  /// - Throws: ``EventStoreError/versionConflict(thread:expected:actual:)`` when another
  ///   writer got there first.
  @discardableResult
  func append(_ lines: [EventLine], to thread: String, expectedNextSeq: Int) throws -> [Event]

  /// The events of a thread in `seq` order; empty when the thread does not exist.
  func events(in thread: String) throws -> [Event]

  /// Every thread with its current state, ordered by thread id.
  func threads() throws -> [ThreadSummary]

  /// Copies the first `count` events of `thread` into a new thread `newThread`.
  ///
  /// - Throws: ``EventStoreError/unknownThread(_:)``, ``EventStoreError/threadExists(_:)``,
  ///   ``EventStoreError/invalidFork(thread:count:available:)``.
  @discardableResult
  func fork(_ thread: String, at count: Int, as newThread: String) throws -> [Event]
}

/// What an append wrote.
public struct AppendResult: Sendable, Hashable {
  /// Events written, in order.
  public var written: [Event]
  /// Lines skipped because the same event was already stored (by `id`, or by `seq` for
  /// id-less lines).
  public var skipped: Int

  public init(written: [Event] = [], skipped: Int = 0) {
    self.written = written
    self.skipped = skipped
  }
}

/// One line of `refold threads`.
public struct ThreadSummary: Sendable, Hashable, Codable {
  public var thread: String
  public var eventCount: Int
  public var state: ThreadState
  public var lastType: String?
  public var lastAt: String?

  public init(
    thread: String, eventCount: Int, state: ThreadState, lastType: String?, lastAt: String?
  ) {
    self.thread = thread
    self.eventCount = eventCount
    self.state = state
    self.lastType = lastType
    self.lastAt = lastAt
  }
}

/// The contract errors of every ``EventStore``.
public enum EventStoreError: RefoldError, Sendable, Hashable {
  /// Another writer appended first: the thread continues at `actual`, not `expected`.
  case versionConflict(thread: String, expected: Int, actual: Int)
  /// An event `id` already stored in the thread with different content.
  case idConflict(thread: String, id: String)
  case unknownThread(String)
  case threadExists(String)
  case invalidFork(thread: String, count: Int, available: Int)
  /// The backing storage failed (disk, SQL); `detail` says how.
  case storage(String)

  public var description: String {
    switch self {
    case .versionConflict(let thread, let expected, let actual):
      return
        "thread \"\(thread)\" changed underneath: expected to append at seq \(expected), "
        + "but it continues at seq \(actual)"
    case .idConflict(let thread, let id):
      return "thread \"\(thread)\" already has an event with id \"\(id)\" and different content"
    case .unknownThread(let thread): return "no thread \"\(thread)\" in the store"
    case .threadExists(let thread): return "thread \"\(thread)\" already exists"
    case .invalidFork(let thread, let count, let available):
      return "cannot fork thread \"\(thread)\" at \(count): it has \(available) events"
    case .storage(let detail): return detail
    }
  }

  /// Conflicts and unknown threads are the caller's input (2); a failed backing storage is
  /// the environment (4).
  public var exitStatus: ExitStatus {
    if case .storage = self { return .environment }
    return .invalidInput
  }
}
