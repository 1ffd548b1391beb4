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

  /// Adds `exchange` at the next `n` of its key, under the lock.
  @discardableResult
  public func append(_ exchange: Exchange) -> Exchange {
    state.withLock { exchanges in
      var stored = exchange
      stored.n = exchanges.filter { $0.key == exchange.key }.count
      exchanges.append(stored)
      return stored
    }
  }
}
