import RefoldCore
import RefoldShared

/// The ``RecordingStore`` on PostgreSQL: exchanges and the events that point at them in one
/// transaction, retried whole when it loses a race to another writer.
///
/// ```swift
/// let connection = try PostgresConnection(url: "postgresql://refold@db.internal/refold")
/// let recording = try PostgresRecordingStore(connection: connection)
/// ```
public final class PostgresRecordingStore: RecordingStore {
  /// The connection this store writes through.
  public let connection: PostgresConnection

  /// A recording store on an open connection, migrated to the latest schema.
  public init(connection: PostgresConnection) throws {
    try PostgresMigrations.migrate(connection)
    self.connection = connection
  }

  public func record(
    _ exchanges: [Exchange], identity: String,
    events: (_ stored: [Exchange]) throws -> [EventLine]
  ) throws -> RecordedBatch {
    try connection.withLock {
      var attempt = 0
      while true {
        attempt += 1
        do {
          return try connection.transaction {
            try recordInTransaction(exchanges, identity: identity, events: events)
          }
        } catch is PostgresEventAppender.Race where attempt < PostgresEventStore.raceAttempts {
          continue
        }
      }
    }
  }

  private func recordInTransaction(
    _ exchanges: [Exchange], identity: String,
    events: (_ stored: [Exchange]) throws -> [EventLine]
  ) throws -> RecordedBatch {
    var stored: [Exchange] = []
    var newExchanges = 0
    for exchange in exchanges {
      if let identifier = exchange.meta?[identity]?.stringValue,
        let same = try PostgresCassetteStore.exchanges(forKey: exchange.key, in: connection)
          .first(where: { $0.meta?[identity]?.stringValue == identifier })
      {
        stored.append(same)
        continue
      }
      stored.append(try PostgresCassetteStore.insert(exchange, into: connection))
      newExchanges += 1
    }
    var appender = PostgresEventAppender(connection: connection)
    var result = AppendResult()
    for line in try events(stored) {
      switch try appender.append(line) {
      case .written(let event): result.written.append(event)
      case .skipped: result.skipped += 1
      }
    }
    try appender.finish()
    return RecordedBatch(exchanges: stored, newExchanges: newExchanges, events: result)
  }
}
