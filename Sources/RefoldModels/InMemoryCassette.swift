import Foundation
import RefoldCore
import RefoldShared
import Synchronization

/// A cassette in memory, for tests and for runs that do not keep their recordings.
public final class InMemoryCassette: CassetteStore {
  private let state: Mutex<[Exchange]>

  public init(_ exchanges: [Exchange] = []) { state = Mutex(exchanges) }

  public func exchanges(forKey key: String) throws -> [Exchange] {
    state.withLock { $0.filter { $0.key == key }.sorted { $0.n < $1.n } }
  }

  public func allExchanges() throws -> [Exchange] { state.withLock { $0 } }

  /// Adds `exchange`.
  ///
  /// - Throws: ``ModelSourceError/cassetteConflict(key:n:)`` when its `n` is not the next
  ///   occurrence of its key.
  public func record(_ exchange: Exchange) throws {
    try state.withLock { exchanges throws(ModelSourceError) in
      let count = exchanges.filter { $0.key == exchange.key }.count
      guard exchange.n == count else { throw .cassetteConflict(key: exchange.key, n: exchange.n) }
      exchanges.append(exchange)
    }
  }
}
