import RefoldCore

/// Where exchanges are kept: a JSONL cassette file or a table in the store.
public protocol CassetteStore: Sendable {
  /// The exchanges recorded for `key`, ordered by `n`.
  func exchanges(forKey key: String) throws -> [Exchange]
  /// The exchanges recorded for `key` as a replay needs them, ordered by `n`: a store may
  /// leave out their requests (`request` is then `null`) when that makes them cheaper to
  /// read.
  func answers(forKey key: String) throws -> [Exchange]
  /// Every exchange, in recorded order (for nearest-request search and export).
  func allExchanges() throws -> [Exchange]
  /// Adds an exchange; its `n` must be the number of exchanges already stored for its key.
  ///
  /// - Throws: when `n` is taken: existing recordings are never overwritten.
  func record(_ exchange: Exchange) throws
}

extension CassetteStore {
  /// The exchanges recorded for `key`, requests included.
  public func answers(forKey key: String) throws -> [Exchange] { try exchanges(forKey: key) }
}
