import RefoldCore

/// A durable ``EventStore`` that also streams: reads without building arrays, and appends of
/// lines produced one at a time (imports), as the commands need them on any engine.
///
/// Implementations: `SQLiteEventStore` (RefoldStore) and `PostgresEventStore`
/// (RefoldPostgres).
public protocol StreamingEventStore: EventStore {
  /// The reducer that folds each thread (vocabulary and policy).
  var reducer: ThreadReducer { get }

  /// Whether the store holds `thread` (possibly empty, after a fork at 0).
  func containsThread(_ thread: String) throws -> Bool

  /// Calls `body` with each event of `thread` in `seq` order.
  func forEachEvent(in thread: String, _ body: (Event) throws -> Void) throws

  /// Calls `body` with every event of the store, in thread order and `seq` order within a
  /// thread.
  func forEachEvent(_ body: (Event) throws -> Void) throws

  /// Calls `body` with each thread's summary in thread order, from one consistent snapshot.
  func forEachThreadSummary(_ body: (ThreadSummary) throws -> Void) throws

  /// Appends lines produced one at a time by `body`, in one transaction: all or nothing.
  ///
  /// Each line may come with the canonical JSON bytes of its `data`, which the store may
  /// keep as they are. `body` may run more than once when the store retries a transaction
  /// that lost a race to another writer; only the last run's lines are stored.
  ///
  /// - Throws: an ``EventStoreError`` thrown by `append`, whatever `body` throws, or the
  ///   store's own error; nothing is written then.
  func appendStreamingCanonical(
    _ body: (_ append: (EventLine, UnsafeBufferPointer<UInt8>?) throws -> AppendOutcome) throws
      -> Void
  ) throws -> AppendCounts
}
