import RefoldShared
import Testing

@testable import RefoldCore

/// The fold and the machine classify each distinct event type once (with a cache of what
/// they learn) and step a compact state; they must give exactly what the naive reducer of the
/// tests gives, classifying every event from sets of the types seen so far and reducing one by
/// one.
@Suite struct FoldEquivalenceTests {
  static let types = [
    "slack_message", "approval", "human_response", "error", "tool_response", "tool_call",
    "list_git_tags", "list_git_tags_result", "deploy_backend", "deploy_backend_result",
    "check_deployment_status", "check_deployment_status_result", "request_human_input",
    "request_approval_to_ship", "done_for_now", "ship", "ship_result", "note", "_result",
    "a_very_long_event_type_name_beyond_sixteen", "a_very_long_event_type_name_beyond_sixteem",
    "K", "\u{212A}", "caf\u{E9}", "cafe\u{301}", "caf\u{E9}_result",
  ]

  static let vocabularies = [
    Vocabulary.default,
    Vocabulary(
      intents: ["deploy_backend": .approval, "ship": .sync, "note": .terminal],
      aliases: ["ship": "deploy_backend", "K": "note", "deploy": "deploy_backend"]),
    Vocabulary(intents: ["list_git_tags": .sync], infersUndeclared: false),
    Vocabulary(aliases: ["ship_result": "deploy_backend_result", "cafe\u{301}": "ship"]),
  ]

  func randomThread(_ random: inout SplitMix64, extraTypes: Int) -> [Event] {
    let count = Int(random.next() % 40)
    var events: [Event] = []
    for position in 0..<count {
      var type = Self.types[Int(random.next() % UInt64(Self.types.count))]
      if extraTypes > 0, random.next() % 3 == 0 { type = "generated_\(random.next() % 40)" }
      var data: JSONValue = [:]
      switch random.next() % 5 {
      case 0: data = ["intent": .string(Self.types[Int(random.next() % 12)])]
      case 1: data = ["approved": .bool(random.next() % 2 == 0), "feedback": "no"]
      default: break
      }
      let seq = random.next() % 17 == 0 ? position + 1 : position
      let thread = random.next() % 29 == 0 ? "other" : "t"
      let meta: JSONValue? = random.next() % 4 == 0 ? ["escalation": true] : nil
      events.append(Event(thread: thread, seq: seq, type: type, data: data, meta: meta))
    }
    return events
  }

  func reference(_ reducer: ThreadReducer, _ events: [Event], upTo count: Int) -> ThreadState {
    NaiveReducer(reducer).fold(events, upTo: count)
  }

  @Test(arguments: 0..<4)
  func foldMatchesTheNaiveReducer(vocabularyIndex: Int) {
    let reducer = ThreadReducer(vocabulary: Self.vocabularies[vocabularyIndex])
    let naive = NaiveReducer(reducer)
    var random = SplitMix64(seed: UInt64(vocabularyIndex) + 1)
    for round in 0..<400 {
      let events = randomThread(&random, extraTypes: round % 2)
      #expect(reducer.vocabulary.classify(events) == naive.classes(events, upTo: events.count))
      #expect(reducer.fold(events) == naive.fold(events))
      let cut = events.isEmpty ? 0 : Int(random.next() % UInt64(events.count + 2)) - 1
      #expect(reducer.fold(events, upTo: cut) == naive.fold(events, upTo: cut))
      let states = reducer.states(events)
      #expect(states.count == events.count)
      for position in events.indices where position % 7 == 0 {
        #expect(states[position] == naive.fold(events, upTo: position + 1))
      }
    }
  }

  /// The machine, fed one event at a time, is always in the state of the naive reducer over
  /// the events so far, and says what happens next from that state alone.
  @Test(arguments: 0..<4)
  func machineMatchesTheNaiveReducerAfterEveryEvent(vocabularyIndex: Int) {
    let reducer = ThreadReducer(vocabulary: Self.vocabularies[vocabularyIndex])
    let naive = NaiveReducer(reducer)
    var random = SplitMix64(seed: UInt64(vocabularyIndex) + 11)
    for round in 0..<200 {
      let events = randomThread(&random, extraTypes: round % 2)
      var machine = reducer.machine()
      for (index, event) in events.enumerated() {
        let next = machine.apply(event)
        let expected = naive.fold(events, upTo: index + 1)
        #expect(machine.state == expected, "round \(round), after event \(index)")
        #expect(next == reducer.machine(Array(events.prefix(index + 1))).nextStep)
        let classes = naive.classes(events, upTo: index + 1)
        #expect(machine.eventClass(at: index) == classes[index])
      }
    }
  }

  @Test func foldStaysExactOnceTheCacheIsFull() {
    // Enough distinct types to fill the reducer's cache, so that later threads meet types
    // (and names) the cache cannot remember.
    let reducer = ThreadReducer()
    var random = SplitMix64(seed: 99)
    var seq = 0
    var filler: [Event] = []
    for number in 0..<(TypeClassCache.capacity + 50) {
      filler.append(Event(thread: "t", seq: seq, type: "filler_\(number)"))
      seq += 1
    }
    #expect(reducer.fold(filler) == reference(reducer, filler, upTo: filler.count))
    for round in 0..<50 {
      var events = randomThread(&random, extraTypes: 1)
      events.append(Event(thread: "t", seq: events.count, type: "fresh_\(round)"))
      events.append(Event(thread: "t", seq: events.count, type: "fresh_\(round)_result"))
      #expect(reducer.fold(events) == reference(reducer, events, upTo: events.count))
    }
  }

  @Test func changingTheVocabularyForgetsCachedClasses() {
    var reducer = ThreadReducer()
    let events = [
      Event(thread: "t", seq: 0, type: "wiggle"),
      Event(thread: "t", seq: 1, type: "done_for_now"),
    ]
    #expect(reducer.fold(events).intentCounts == ["done_for_now": 1])
    reducer.vocabulary.intents["wiggle"] = .sync
    #expect(reducer.fold(events).intentCounts == ["wiggle": 1, "done_for_now": 1])
    reducer.vocabulary.aliases["wiggle"] = "done_for_now"
    #expect(reducer.fold(events).intentCounts == ["done_for_now": 2])
  }
}
