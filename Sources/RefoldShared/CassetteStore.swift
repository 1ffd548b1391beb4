import RefoldCore

/// Where exchanges are kept: a JSONL cassette file or a table in the store.
public protocol CassetteStore: Sendable {
  /// The exchanges recorded for `key`, ordered by `n`.
  func exchanges(forKey key: String) throws -> [Exchange]
  /// The exchanges recorded for `key` as a replay needs them, ordered by `n`: a store may
  /// leave out their requests (`request` is then `null`) when that makes them cheaper to
  /// read.
  func answers(forKey key: String) throws -> [Exchange]
  /// ``answers(forKey:)`` as soon as the first `count` exchanges of `key` are known: a
  /// store still reading its file in the background gives fewer than `count` only once it
  /// has read all of it and the key has no more.
  ///
  /// `request`, when given, gives the length of the asked request's canonical bytes when
  /// the bytes it is handed start with them (nil otherwise): a store that checks each
  /// line's key against its request may compare instead of hashing, and step over a
  /// request it recognises without reading it.
  func answers(
    forKey key: String, needing count: Int,
    request: ((UnsafeBufferPointer<UInt8>) -> Int?)?
  ) throws -> [Exchange]
  /// Waits until a store opened in the background has read its whole file, and throws what
  /// made that fail (a line that is not an exchange, an `n` out of order).
  func finishOpening() throws
  /// Every exchange, in recorded order (for nearest-request search and export).
  func allExchanges() throws -> [Exchange]
  /// Every key with recorded exchanges, each once, in the order its first exchange was
  /// recorded: what a copy walks key by key without holding every exchange.
  func keys() throws -> [String]
  /// Adds an exchange at the next `n` of its key and returns it as stored.
  ///
  /// The store assigns `n` (the number of exchanges already stored for the key) under its
  /// own lock or inside one transaction, as an ``EventStore`` assigns `seq`: concurrent
  /// appends of one key get 0, 1, 2, … with no gap and no duplicate, and existing
  /// recordings are never overwritten. The `n` the exchange carries is ignored.
  ///
  /// - Throws: when the store cannot be written.
  @discardableResult
  func append(_ exchange: Exchange) throws -> Exchange
}

extension CassetteStore {
  /// The exchanges recorded for `key`, requests included.
  public func answers(forKey key: String) throws -> [Exchange] { try exchanges(forKey: key) }

  /// All of ``answers(forKey:)``, for stores that are whole once open.
  public func answers(
    forKey key: String, needing count: Int,
    request: ((UnsafeBufferPointer<UInt8>) -> Int?)?
  ) throws -> [Exchange] {
    try answers(forKey: key)
  }

  /// Nothing to wait for, for stores that are whole once open.
  public func finishOpening() throws {}

  /// The keys of ``allExchanges()``, for stores that hold their exchanges in memory.
  public func keys() throws -> [String] {
    var seen: Set<String> = []
    return try allExchanges().map(\.key).filter { seen.insert($0).inserted }
  }
}
