import RefoldCore
import RefoldShared
import Synchronization
import Testing

@testable import RefoldEval

/// Edits, thread filters and the ablation search over a decider whose answer depends on
/// chosen events.
struct DecisionProbeTests {
  /// A thread of notes `n0`…`n(count-1)` (seqs 0…count-1) and then one decision.
  static func thread(notes count: Int) -> [Event] {
    var events = (0..<count).map {
      Event(thread: "t", seq: $0, type: "note", data: ["text": .string("n\($0)")])
    }
    events.append(Event(thread: "t", seq: count, type: "done_for_now", data: ["message": "ok"]))
    return events
  }

  /// Answers `done_for_now` while `keeps` holds for the texts of the events it is given, and
  /// `request_human_input` otherwise; counts its calls.
  struct DependentDecider: Decider {
    var keeps: @Sendable (Set<String>) -> Bool
    let calls = CallCount()

    func decide(thread: String, events: [Event]) async throws -> Decision {
      calls.value.withLock { $0 += 1 }
      let texts = Set(events.compactMap { $0.data["text"]?.stringValue })
      let intent =
        keeps(texts)
        ? Intent(name: "done_for_now", parameters: ["message": "ok"])
        : Intent(name: "request_human_input", parameters: ["question": "?"])
      return Decision(outcome: .intent(intent))
    }
  }

  /// How many times a decider was asked.
  final class CallCount: Sendable {
    let value = Mutex(0)
  }

  func probe(notes: Int) throws -> DecisionProbe {
    try DecisionProbe(events: Self.thread(notes: notes), step: 0, reducer: ThreadReducer())
  }

  @Test func editsSetDropAndInsertThenNumberAgain() throws {
    let events = [
      Event(thread: "t", seq: 0, type: "user_input", data: ["text": "ship"]),
      Event(thread: "t", seq: 1, type: "list_git_tags_result", data: ["tags": ["v1", "v2"]]),
      Event(thread: "t", seq: 2, type: "note", data: ["text": "x"]),
    ]
    let edits = [
      try ThreadEdit(set: #"1.tags[1]="v9""#), try ThreadEdit(set: "1.extra.depth=3"),
      try ThreadEdit(drop: "2"),
      try ThreadEdit(insertAfter: "0", type: "note", data: #"{"text":"inserted"}"#),
    ]
    #expect(throws: ProbeError.self) { try ThreadEdit.apply([edits[1]], to: events, thread: "t") }
    let edited = try ThreadEdit.apply([edits[0], edits[2], edits[3]], to: events, thread: "t")
    #expect(edited.map(\.seq) == [0, 1, 2])
    #expect(edited.map(\.type) == ["user_input", "note", "list_git_tags_result"])
    #expect(edited[2].data["tags"] == ["v1", "v9"])
    #expect(edited[1].data["text"] == "inserted")
    #expect(events[1].data["tags"] == ["v1", "v2"])
  }

  @Test(arguments: [
    ("4.tag", "expected SEQ.PATH=JSON"), ("x.tag=1", "expected SEQ.PATH=JSON"),
    ("4.tags[=1", "is not a path"), ("4.tag=v1", "is not JSON"),
  ])
  func malformedSetsAreRefused(text: String, message: String) {
    #expect {
      _ = try ThreadEdit(set: text)
    } throws: { error in
      String(describing: error).contains(message)
    }
  }

  @Test func threadFilterMatchesNamesAndGlobs() throws {
    let threads = ["deploy-001", "deploy-002", "rollback-001"].map {
      [Event(thread: $0, seq: 0, type: "user_input")]
    }
    let kept = try ThreadFilter(["deploy-*", "rollback-00?"]).select(threads, suite: "s")
    #expect(kept.count == 3)
    let one = try ThreadFilter(["deploy-002"]).select(threads, suite: "s")
    #expect(one.map { $0[0].thread } == ["deploy-002"])
    #expect(throws: ProbeError.self) { try ThreadFilter(["nope*"]).select(threads, suite: "s") }
    #expect(ThreadFilter.glob("*-001", matches: "rollback-001"))
    #expect(!ThreadFilter.glob("deploy-00", matches: "deploy-001"))
  }

  @Test func aSingleDecidingEventIsFoundAlone() async throws {
    let decider = DependentDecider { $0.contains("n5") }
    let report = try await DecisionAblation(probe: try probe(notes: 8), budget: 64).run(decider)
    #expect(report.minimal == [5])
    #expect(report.isOneMinimal)
    #expect(report.singles.filter(\.value.flips).map(\.key) == [5])
    #expect(report.minimalAnswer?.label == #"request_human_input {"question":"?"}"#)
    #expect(report.calls == decider.calls.value.withLock { $0 })
  }

  /// Either of two events keeps the decision: neither flips it alone, ddmin finds the pair.
  @Test(arguments: [[1, 6], [0, 7], [3, 4]])
  func aPairOfWhichEitherSufficesIsFoundByDdmin(pair: [Int]) async throws {
    let decider = DependentDecider { $0.contains("n\(pair[0])") || $0.contains("n\(pair[1])") }
    let report = try await DecisionAblation(probe: try probe(notes: 8), budget: 40).run(decider)
    #expect(report.minimal?.sorted() == pair)
    #expect(report.isOneMinimal)
    #expect(report.singles.values.allSatisfy { !$0.flips })
    #expect(!report.budgetSpent && report.calls <= 40)
  }

  @Test func nothingFlipsWhenTheDecisionDependsOnNoEvent() async throws {
    let decider = DependentDecider { _ in true }
    let report = try await DecisionAblation(probe: try probe(notes: 4)).run(decider)
    #expect(report.minimal == nil)
    #expect(!report.allRemovedFlips)
    #expect(report.calls == 6)
  }

  @Test func theBudgetCutsTheSearchShortAndSaysSo() async throws {
    let decider = DependentDecider { $0.contains("n1") || $0.contains("n6") }
    let report = try await DecisionAblation(probe: try probe(notes: 8), budget: 5).run(decider)
    #expect(report.budgetSpent)
    #expect(report.calls == 5)
    #expect(!report.isOneMinimal)
  }

  @Test func aDistributionRanksDecisionsWithWilsonIntervals() async throws {
    let probe = try probe(notes: 1)
    let keep = DependentDecider { _ in true }
    let flip = DependentDecider { _ in false }
    var answers: [ProbeAnswer] = []
    for index in 0..<10 { answers.append(try await probe.ask(index < 3 ? flip : keep)) }
    let distribution = DecisionDistribution(answers)
    #expect(distribution.entries.map(\.count) == [7, 3])
    #expect(distribution.entries[0].answer.scored.verdict == .pass)
    #expect(distribution.entries[0].share == Statistics.wilson(passed: 7, total: 10))
  }
}
