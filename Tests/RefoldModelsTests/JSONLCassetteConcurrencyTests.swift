import Foundation
import RefoldCore
import RefoldModels
import RefoldShared
import Synchronization
import Testing

/// Many writers appending the same key to one JSONL cassette: the cassette assigns
/// n = 0…N−1 under its lock, with no gap and no duplicate, and the file reads back the same.
@Suite struct JSONLCassetteConcurrencyTests {
  @Test func concurrentAppendsOfOneKeyGetEveryNOnce() throws {
    let path = try Support.temporaryDirectory() + "/cassettes/race.jsonl"
    let cassette = try JSONLCassette(path: path)
    let writers = 8
    let perWriter = 25
    let assigned = Mutex<[Int]>([])
    let key = CassetteKey.key(for: ["model": "m"])
    DispatchQueue.concurrentPerform(iterations: writers) { writer in
      for item in 0..<perWriter {
        let exchange = Exchange(
          key: key, n: 0, provider: "openai", request: ["model": "m"],
          response: ["choices": [], "writer": .int(Int64(writer)), "item": .int(Int64(item))],
          recordedAt: "2026-11-20T10:00:00Z")
        do {
          let stored = try cassette.append(exchange)
          assigned.withLock { $0.append(stored.n) }
        } catch {
          Issue.record("unexpected error \(error)")
        }
      }
    }
    let total = writers * perWriter
    #expect(assigned.withLock { $0.sorted() } == Array(0..<total))
    // Reopening checks every line's n against its position for the key.
    let reopened = try JSONLCassette(path: path)
    let stored = try reopened.exchanges(forKey: key)
    #expect(stored.map(\.n) == Array(0..<total))
    #expect(try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").count == total)
    for writer in 0..<writers {
      let items = stored.filter { $0.response["writer"] == .int(Int64(writer)) }
        .compactMap { $0.response["item"]?.intValue }
      #expect(items == Array(0..<perWriter))
    }
  }
}
