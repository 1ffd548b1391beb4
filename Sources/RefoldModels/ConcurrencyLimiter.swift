import Foundation
import RefoldCore

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

/// Limits how many requests run at once; waiters are served first come, first served.
public actor ConcurrencyLimiter {
  private let limit: Int
  private var running = 0
  private var waiting: [CheckedContinuation<Void, Never>] = []

  public init(limit: Int) { self.limit = max(1, limit) }

  /// Waits for a free slot and takes it.
  public func acquire() async {
    if running < limit {
      running += 1
      return
    }
    await withCheckedContinuation { waiting.append($0) }
  }

  /// Frees a slot, handing it to the next waiter if there is one.
  public func release() {
    if waiting.isEmpty {
      running = max(0, running - 1)
    } else {
      waiting.removeFirst().resume()
    }
  }

  /// Runs `operation` in a slot.
  public func run<T: Sendable, E: Error>(_ operation: @Sendable () async throws(E) -> T)
    async throws(E) -> T
  {
    await acquire()
    defer { release() }
    return try await operation()
  }
}
