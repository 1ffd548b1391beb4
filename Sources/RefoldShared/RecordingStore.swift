import RefoldCore

/// A store that writes model exchanges and the events that point at them in one
/// transaction: all of a recording, or nothing of it.
///
/// Implementation: `SQLiteRecordingStore` (RefoldStore), on the database that holds both the
/// event table and the cassette table.
public protocol RecordingStore: Sendable {
  /// Stores `exchanges`, then the event lines `events` builds from them, in one transaction.
  ///
  /// An exchange whose key already holds one with the same `meta[identity]` (a string) is not
  /// stored again; the stored one stands in its place. Every other exchange gets the next `n`
  /// of its key, counting those stored before it in the same call, so identical requests get
  /// 0, 1, 2, …. `events` receives the exchanges as stored, in the order given, and its lines
  /// are appended as ``EventStore/append(_:)`` appends them.
  ///
  /// - Throws: when an exchange or an event cannot be stored, or `events` throws; nothing is
  ///   written then.
  func record(
    _ exchanges: [Exchange], identity: String,
    events: (_ stored: [Exchange]) throws -> [EventLine]
  ) throws -> RecordedBatch
}

/// What ``RecordingStore/record(_:identity:events:)`` stored.
public struct RecordedBatch: Sendable, Hashable {
  /// Every exchange as stored (new or found), in the order given.
  public var exchanges: [Exchange]
  /// How many of them were new.
  public var newExchanges: Int
  /// The events written and skipped.
  public var events: AppendResult

  public init(exchanges: [Exchange], newExchanges: Int, events: AppendResult) {
    self.exchanges = exchanges
    self.newExchanges = newExchanges
    self.events = events
  }
}
