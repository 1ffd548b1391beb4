import Foundation
import RefoldCore
import RefoldPostgres
import RefoldShared
import RefoldTestSupport
import Synchronization
import Testing

/// Four `refold` processes appending to the same threads of one PostgreSQL store at once:
/// no gap, no duplicate, and every loser of a race for a `seq` gets a clean conflict.
@Suite struct PostgresRaceTests {
  static let serverStarted = PostgresTestServer.shared != nil
  static let skipped = Comment(rawValue: PostgresTestServer.skipMessage)

  /// Four processes race for every `seq` of one thread and append to four shared ones.
  ///
  /// Each process tries every `seq` of thread `race` in turn, with an event of its own, and
  /// appends id'd events without a `seq` to four shared threads (re-sending its previous one
  /// each time). Every `seq` has exactly one winner; the others exit 2 naming the conflict;
  /// the shared threads hold every event once, at seqs 0…N−1.
  @Test(.enabled(if: serverStarted, skipped))
  func fourProcessesAppendingAtOnceLeaveNoGapOrDuplicate() throws {
    let url = try PostgresTestServer.freshDatabaseURL()
    let directory = try TemporaryDirectory()
    let writers = 4
    let rounds = 15
    struct Tally: Sendable {
      var wins: [Int: [Int]] = [:]
      var problems: [String] = []
    }
    let tally = Mutex(Tally())
    DispatchQueue.concurrentPerform(iterations: writers) { writer in
      for round in 0..<rounds {
        do {
          let race = try directory.write(
            "race-\(writer)-\(round).jsonl",
            #"{"thread":"race","seq":\#(round),"type":"note","data":{"writer":\#(writer)}}"# + "\n")
          let raced = try RefoldProcess.run(["import", race, "--db", url])
          if raced.status == 0 {
            tally.withLock { $0.wins[round, default: []].append(writer) }
          } else if raced.status != 2
            || !raced.stderr.contains(
              "thread \"race\" changed underneath: expected to append at seq \(round), but it "
                + "continues at seq ")
            || raced.stderr.split(separator: "\n").count != 1
          {
            tally.withLock { $0.problems.append("race \(writer)/\(round): \(raced.stderr)") }
          }
          var lines = ""
          for shared in 0..<4 {
            let previous = round > 0 ? [round - 1, round] : [round]
            for index in previous {
              lines +=
                #"{"thread":"shared-\#(shared)","id":"w\#(writer)-r\#(index)","type":"note","data":{"writer":\#(writer),"round":\#(index)}}"#
                + "\n"
            }
          }
          let file = try directory.write("shared-\(writer)-\(round).jsonl", lines)
          let appended = try RefoldProcess.run(["import", file, "--db", url])
          if appended.status != 0 {
            tally.withLock { $0.problems.append("shared \(writer)/\(round): \(appended.stderr)") }
          }
        } catch {
          tally.withLock { $0.problems.append("\(writer)/\(round): \(error)") }
        }
      }
    }
    let result = tally.withLock { $0 }
    #expect(result.problems.isEmpty, "\(result.problems)")
    #expect(result.wins.keys.sorted() == Array(0..<rounds))
    #expect(result.wins.values.allSatisfy { $0.count == 1 }, "\(result.wins)")
    let store = try PostgresEventStore(url: url)
    let raced = try store.events(in: "race")
    #expect(raced.map(\.seq) == Array(0..<rounds))
    for event in raced {
      #expect(result.wins[event.seq] == [event.data["writer"]?.intValue ?? -1])
    }
    for shared in 0..<4 {
      let events = try store.events(in: "shared-\(shared)")
      #expect(events.map(\.seq) == Array(0..<(writers * rounds)))
      let ids = events.compactMap(\.id)
      #expect(Set(ids).count == writers * rounds)
      #expect(ids.count == writers * rounds)
      // Each writer's events are in the order it sent them.
      for writer in 0..<writers {
        let rounds = events.filter { $0.data["writer"]?.intValue == writer }
          .compactMap { $0.data["round"]?.intValue }
        #expect(rounds == Array(0..<rounds.count))
      }
    }
  }
}
