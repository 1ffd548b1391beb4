import Foundation
import RefoldCore
import RefoldShared
import RefoldStore
import RefoldTestSupport
import Synchronization
import Testing

/// Many writers appending the same key to one SQLite file over two connections: the store
/// assigns n = 0…N−1, with no gap and no duplicate, as the event store assigns `seq`.
@Suite struct SQLiteCassetteConcurrencyTests {
  @Test func concurrentAppendsOfOneKeyGetEveryNOnce() throws {
    let directory = try TemporaryDirectory()
    let path = directory.path("cassette.sqlite")
    let stores = [try SQLiteCassetteStore(path: path), try SQLiteCassetteStore(path: path)]
    let writers = 8
    let perWriter = 25
    let assigned = Mutex<[Int]>([])
    DispatchQueue.concurrentPerform(iterations: writers) { writer in
      let store = stores[writer % stores.count]
      for item in 0..<perWriter {
        let exchange = Exchange(
          key: "same-request", n: 0, provider: "openai",
          request: ["model": "m"],
          response: ["writer": .int(Int64(writer)), "item": .int(Int64(item))],
          recordedAt: "2026-11-20T10:00:00Z")
        do {
          let stored = try store.append(exchange)
          assigned.withLock { $0.append(stored.n) }
        } catch {
          Issue.record("unexpected error \(error)")
        }
      }
    }
    let total = writers * perWriter
    #expect(assigned.withLock { $0.sorted() } == Array(0..<total))
    let stored = try SQLiteCassetteStore(path: path).exchanges(forKey: "same-request")
    #expect(stored.map(\.n) == Array(0..<total))
    // Each writer's own exchanges are in the order it appended them.
    for writer in 0..<writers {
      let items = stored.filter { $0.response["writer"] == .int(Int64(writer)) }
        .compactMap { $0.response["item"]?.intValue }
      #expect(items == Array(0..<perWriter))
    }
  }
}
