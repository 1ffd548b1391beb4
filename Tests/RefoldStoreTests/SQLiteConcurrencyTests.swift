import Foundation
import RefoldCore
import RefoldShared
import RefoldStore
import RefoldTestSupport
import Synchronization
import Testing

/// Two connections on one file racing for the same thread: one winner per position, a clean
/// conflict for the loser, never a gap or a duplicate.
@Suite struct SQLiteConcurrencyTests {
  @Test func staleWriterOnAnotherConnectionGetsAVersionConflict() throws {
    let directory = try TemporaryDirectory()
    let path = directory.path("race.sqlite")
    let writerA = try SQLiteEventStore(path: path)
    let writerB = try SQLiteEventStore(path: path)
    #expect(writerA.database !== writerB.database)
    let seen = try writerB.eventCount(in: "t")
    try writerA.append([EventLine(thread: "t", type: "user_input")], to: "t", expectedNextSeq: 0)
    #expect(throws: EventStoreError.versionConflict(thread: "t", expected: seen, actual: 1)) {
      try writerB.append(
        [EventLine(thread: "t", type: "user_input")], to: "t",
        expectedNextSeq: seen)
    }
    #expect(try writerB.events(in: "t").count == 1)
  }

  @Test func simultaneousAppendsAtTheSameSeqHaveOneWinner() throws {
    let directory = try TemporaryDirectory()
    let path = directory.path("race.sqlite")
    let writers = [try SQLiteEventStore(path: path), try SQLiteEventStore(path: path)]
    let rounds = 40
    for round in 0..<rounds {
      let expected = try writers[0].eventCount(in: "t")
      #expect(expected == round)
      let outcomes = Mutex<[Result<Int, EventStoreError>]>([])
      DispatchQueue.concurrentPerform(iterations: 2) { index in
        let line = EventLine(thread: "t", type: "note", data: ["writer": .int(Int64(index))])
        do {
          let written = try writers[index].append([line], to: "t", expectedNextSeq: expected)
          outcomes.withLock { $0.append(.success(written[0].seq)) }
        } catch let error as EventStoreError {
          outcomes.withLock { $0.append(.failure(error)) }
        } catch {
          Issue.record("unexpected error \(error)")
        }
      }
      let results = outcomes.withLock { $0 }
      #expect(results.count == 2)
      #expect(results.filter { (try? $0.get()) == expected }.count == 1)
      #expect(
        results.contains {
          $0 == .failure(.versionConflict(thread: "t", expected: expected, actual: expected + 1))
        })
    }
    let events = try writers[1].events(in: "t")
    #expect(events.map(\.seq) == Array(0..<rounds))
  }

  @Test func concurrentWritersWithRetryLeaveNoGapOrDuplicate() throws {
    let directory = try TemporaryDirectory()
    let path = directory.path("race.sqlite")
    let writers = [try SQLiteEventStore(path: path), try SQLiteEventStore(path: path)]
    let perWriter = 150
    let conflicts = Atomic<Int>(0)
    DispatchQueue.concurrentPerform(iterations: 2) { index in
      let store = writers[index]
      for item in 0..<perWriter {
        let line = EventLine(
          thread: "t", type: "note",
          data: ["writer": .int(Int64(index)), "item": .int(Int64(item))])
        while true {
          do {
            let next = try store.eventCount(in: "t")
            try store.append([line], to: "t", expectedNextSeq: next)
            break
          } catch EventStoreError.versionConflict {
            conflicts.add(1, ordering: .relaxed)
          } catch {
            Issue.record("unexpected error \(error)")
            return
          }
        }
      }
    }
    let events = try SQLiteEventStore(path: path).events(in: "t")
    #expect(events.count == 2 * perWriter)
    #expect(events.map(\.seq) == Array(0..<(2 * perWriter)))
    for writer in 0..<2 {
      let items = events.filter { $0.data["writer"] == .int(Int64(writer)) }
        .compactMap { $0.data["item"]?.intValue }
      #expect(items == Array(0..<perWriter))
    }
    print("concurrent writers: \(conflicts.load(ordering: .relaxed)) conflicts retried")
  }

  @Test func primaryKeyBackstopsAnOutOfStepCounter() throws {
    let directory = try TemporaryDirectory()
    let store = try SQLiteEventStore(path: directory.path("backstop.sqlite"))
    try store.append([EventLine(thread: "t", type: "user_input")])
    // Simulate a writer that inserted an event without advancing the thread's counter.
    try store.database.withConnection { connection in
      try connection.execute(
        "INSERT INTO events (thread, seq, type, data) VALUES ('t', 1, 'user_input', '{}')")
    }
    #expect(throws: EventStoreError.versionConflict(thread: "t", expected: 1, actual: 2)) {
      try store.append([EventLine(thread: "t", type: "note")])
    }
    #expect(try store.events(in: "t").count == 2)
  }
}
