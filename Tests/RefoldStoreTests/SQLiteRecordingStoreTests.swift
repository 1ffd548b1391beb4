import Foundation
import RefoldCore
import RefoldShared
import RefoldStore
import RefoldTestSupport
import Testing

/// Exchanges and the events that point at them, stored together or not at all.
@Suite struct SQLiteRecordingStoreTests {
  static func exchange(span: String, answer: String) -> Exchange {
    Exchange(
      key: "same-request", n: 0, provider: "openai", request: ["model": "m"],
      response: ["answer": .string(answer)], recordedAt: "2026-11-20T10:00:00Z",
      meta: ["span_id": .string(span)])
  }

  @Test func identicalRequestsTakeTheNextNAndAKnownSpanIsNotStoredAgain() throws {
    let directory = try TemporaryDirectory()
    let database = try RefoldDatabase(path: directory.path("refold.sqlite"))
    let recording = SQLiteRecordingStore(database: database)
    let batch = [Self.exchange(span: "a", answer: "one"), Self.exchange(span: "b", answer: "two")]
    let first = try recording.record(batch, identity: "span_id") { stored in
      stored.map { exchange in
        EventLine(
          thread: "t", type: "done_for_now", data: exchange.response, id: "e-\(exchange.n)",
          meta: ["exchange_n": .int(Int64(exchange.n))])
      }
    }
    #expect(first.exchanges.map(\.n) == [0, 1])
    #expect(first.newExchanges == 2)
    #expect(first.events.written.count == 2)

    // The same spans again, and a third: only the third is new, at n = 2.
    let again = try recording.record(
      batch + [Self.exchange(span: "c", answer: "three")], identity: "span_id"
    ) { stored in
      stored.map { exchange in
        EventLine(
          thread: "t", type: "done_for_now", data: exchange.response, id: "e-\(exchange.n)",
          meta: ["exchange_n": .int(Int64(exchange.n))])
      }
    }
    #expect(again.exchanges.map(\.n) == [0, 1, 2])
    #expect(again.newExchanges == 1)
    #expect(again.events.written.count == 1)
    #expect(again.events.skipped == 2)
  }

  @Test func anEventThatCannotBeStoredTakesTheExchangesBackWithIt() throws {
    let directory = try TemporaryDirectory()
    let database = try RefoldDatabase(path: directory.path("refold.sqlite"))
    let recording = SQLiteRecordingStore(database: database)
    let events = SQLiteEventStore(database: database)
    try events.append([EventLine(thread: "t", type: "user_input", data: ["text": "hi"], id: "x")])

    #expect(throws: EventStoreError.idConflict(thread: "t", id: "x")) {
      try recording.record([Self.exchange(span: "a", answer: "one")], identity: "span_id") { _ in
        [EventLine(thread: "t", type: "user_input", data: ["text": "other"], id: "x")]
      }
    }
    #expect(try SQLiteCassetteStore(database: database).allExchanges().isEmpty)
    #expect(try events.events(in: "t").count == 1)
  }
}
