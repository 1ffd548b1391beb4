import RefoldCore
import RefoldShared

/// The ``RecordingStore`` on SQLite: exchanges and events of one recording in one
/// `BEGIN IMMEDIATE` transaction on the shared database.
///
/// ```swift
/// let database = try RefoldDatabase(path: ".refold/refold.sqlite")
/// let recording = SQLiteRecordingStore(database: database)
/// ```
public final class SQLiteRecordingStore: RecordingStore {
  /// The database this store writes.
  public let database: RefoldDatabase

  /// A recording store on a shared database.
  public init(database: RefoldDatabase) {
    self.database = database
  }

  public func record(
    _ exchanges: [Exchange], identity: String,
    events: (_ stored: [Exchange]) throws -> [EventLine]
  ) throws -> RecordedBatch {
    try database.withConnection { connection in
      try connection.transaction {
        var stored: [Exchange] = []
        var newExchanges = 0
        for exchange in exchanges {
          let identifier = exchange.meta?[identity]?.stringValue
          if let identifier,
            let same = try SQLiteCassetteStore.exchanges(forKey: exchange.key, in: connection)
              .first(where: { $0.meta?[identity]?.stringValue == identifier })
          {
            stored.append(same)
            continue
          }
          stored.append(try SQLiteCassetteStore.insert(exchange, into: connection))
          newExchanges += 1
        }
        let lines = try events(stored)
        var appender = EventAppender(connection: connection)
        var result = AppendResult()
        for line in lines {
          switch try appender.append(line) {
          case .written(let event): result.written.append(event)
          case .skipped: result.skipped += 1
          }
        }
        try appender.finish()
        return RecordedBatch(exchanges: stored, newExchanges: newExchanges, events: result)
      }
    }
  }
}
