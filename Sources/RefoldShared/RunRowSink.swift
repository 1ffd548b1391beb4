/// What a ``StreamingRunWriter`` needs of a store: the rows of one pending run, written a
/// batch at a time.
///
/// The store creates the run pending (invisible to its readers, its id taken) before it
/// hands out the sink. Calls come from one thread at a time: ``write(_:)`` and
/// ``heartbeat()`` from the writer's own thread, ``finish(_:)`` and ``abandon()`` after it
/// has stopped.
public protocol RunRowSink: AnyObject, Sendable {
  /// Stores the case and thread rows of `threads` in one transaction, and marks the pending
  /// run alive.
  ///
  /// - Throws: the store's error when the pending run is no longer there (removed as
  ///   abandoned) or the store refuses.
  func write(_ threads: [ThreadCases]) throws
  /// Marks the pending run alive, so no other writer removes it as abandoned.
  func heartbeat() throws
  /// Stores the run's head and makes the run visible, in one transaction.
  ///
  /// - Throws: the store's run-exists error when a run with this id was stored meanwhile.
  func finish(_ head: RunResults) throws
  /// Deletes the pending run and every row written for it.
  func abandon()
}
