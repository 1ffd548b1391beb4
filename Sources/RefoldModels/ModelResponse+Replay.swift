import Foundation
import RefoldCore
import RefoldShared
import Synchronization

extension ModelResponse {
  /// The response a recorded exchange gives on replay (its meta says `replayed: true`).
  public init(replaying exchange: Exchange) {
    var meta = exchange.meta?.objectValue ?? [:]
    meta["replayed"] = true
    self.init(
      body: exchange.response, key: exchange.key, n: exchange.n, usage: exchange.usage,
      latencyMilliseconds: exchange.latencyMilliseconds, meta: .object(meta))
  }
}
