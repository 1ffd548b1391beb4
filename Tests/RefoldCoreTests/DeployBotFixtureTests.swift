import Foundation
import RefoldShared
import Testing

@testable import RefoldCore

/// The deploy-bot golden threads in `fixtures/deploybot`: canonical form, the domain's
/// conventions, and the final state each story promises.
@Suite struct DeployBotFixtureTests {
  /// One golden thread: its file, its raw lines and its story.
  struct Fixture: Sendable, CustomTestStringConvertible {
    var id: String
    var path: String
    var text: String
    var story: JSONValue?
    var testDescription: String { id }
  }

  static let root = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
  static let directory = root.appendingPathComponent("fixtures/deploybot")

  static let stories: [String: JSONValue] = {
    let url = directory.appendingPathComponent("stories.json")
    guard let data = try? Data(contentsOf: url), let value = try? JSONParser.parse(bytes: data),
      let entries = value["threads"]?.arrayValue
    else { return [:] }
    var stories: [String: JSONValue] = [:]
    for entry in entries {
      if let id = entry["thread"]?.stringValue { stories[id] = entry }
    }
    return stories
  }()

  static let fixtures: [Fixture] = {
    let threads = directory.appendingPathComponent("threads")
    let names =
      (try? FileManager.default.contentsOfDirectory(atPath: threads.path))?
      .filter { $0.hasSuffix(".jsonl") }.sorted() ?? []
    return names.map { name in
      let path = threads.appendingPathComponent(name).path
      let id = String(name.dropLast(".jsonl".count))
      let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
      return Fixture(id: id, path: path, text: text, story: stories[id])
    }
  }()

  /// Parses a fixture, recording an issue with file and line for every invalid line.
  static func events(of fixture: Fixture) -> [Event] {
    var events: [Event] = []
    for (offset, line) in fixture.text.split(separator: "\n", omittingEmptySubsequences: false)
      .enumerated() where !line.isEmpty
    {
      do {
        let parsed = try EventLine.parse(String(line))
        #expect(parsed.seq != nil, "\(fixture.id).jsonl:\(offset + 1): seq missing")
        events.append(parsed.event(seq: events.count))
      } catch {
        Issue.record("\(fixture.id).jsonl:\(offset + 1): \(error)")
      }
    }
    return events
  }

  static let decisionTypes = Set(DeployBot.intents.keys)

  @Test func theSetIsComplete() throws {
    #expect(Self.fixtures.count >= 44)
    #expect(Set(Self.fixtures.map(\.id)) == Set(Self.stories.keys))
    let groups = Dictionary(grouping: Self.stories.values) { $0["group"]?.stringValue ?? "" }
    let required = [
      "tags-to-staging", "production-approved", "denied-then-adjusted", "frontend", "status",
      "smoke-tests", "rollback-after-smoke", "corrected-retry", "transient-retry",
      "two-errors-then-success", "escalation-answered", "clarification", "more-info",
      "step-limit", "awaiting-approval", "awaiting-human", "escalated-open",
    ]
    for group in required {
      #expect((groups[group]?.count ?? 0) >= 2, "group \(group) needs at least two threads")
    }
    #expect(Set(groups.keys) == Set(required), "every story belongs to a known group")
    // Figures for the README.
    var eventCount = 0
    var byIntent: [String: Int] = [:]
    for fixture in Self.fixtures {
      let events = Self.events(of: fixture)
      eventCount += events.count
      for event in events where Self.decisionTypes.contains(event.type) {
        byIntent[event.type, default: 0] += 1
      }
    }
    let decisions = byIntent.values.reduce(0, +)
    print(
      "deploybot fixtures: \(Self.fixtures.count) threads, \(eventCount) events, "
        + "\(decisions) decisions; "
        + byIntent.sorted { $0.value > $1.value }.map { "\($0.key) \($0.value)" }
        .joined(separator: ", "))
    #expect(decisions > 0)
  }

  @Test(arguments: fixtures)
  func canonicalAndByteStable(_ fixture: Fixture) throws {
    let events = Self.events(of: fixture)
    let lines = fixture.text.split(separator: "\n", omittingEmptySubsequences: false)
    try #require(lines.last == "", "\(fixture.id).jsonl must end with a newline")
    #expect(events.count == lines.count - 1, "\(fixture.id).jsonl has blank lines")
    for (event, line) in zip(events, lines) {
      #expect(event.jsonLine == String(line), "\(fixture.id) seq \(event.seq) is not canonical")
    }
    // Export after import gives the same bytes.
    let exported = events.map { $0.jsonLine + "\n" }.joined()
    #expect(exported == fixture.text)
    // Through the store as an importer would: lines without ids or with ids, in order.
    let store = InMemoryEventStore(reducer: DeployBot.reducer)
    let parsed = try lines.filter { !$0.isEmpty }.map { try EventLine.parse(String($0)) }
    try store.append(parsed)
    let again = try store.append(parsed.filter { $0.id != nil })
    #expect(again.written.isEmpty)
    #expect(try store.events(in: fixture.id).map { $0.jsonLine + "\n" }.joined() == fixture.text)
  }

  @Test(arguments: fixtures)
  func followsTheDomainConventions(_ fixture: Fixture) throws {
    let events = Self.events(of: fixture)
    try #require(!events.isEmpty)
    #expect(events.allSatisfy { $0.thread == fixture.id }, "thread id must match the file name")
    #expect(events.enumerated().allSatisfy { $0.offset == $0.element.seq })
    let first = events[0]
    #expect(first.type == "slack_message")
    for key in ["from", "channel", "text"] {
      #expect(first.data[key]?.stringValue?.isEmpty == false, "trigger needs \(key)")
    }
    var previousAt = ""
    for event in events {
      let at = try #require(event.at, "\(fixture.id) seq \(event.seq) has no at")
      #expect(at > previousAt, "\(fixture.id) seq \(event.seq): at must increase")
      previousAt = at
    }
    let known =
      Self.decisionTypes.union(Self.decisionTypes.map { $0 + "_result" })
      .union(["slack_message", "approval", "human_response", "error"])
    for event in events {
      #expect(known.contains(event.type), "\(fixture.id) seq \(event.seq): unknown type")
    }
    for (index, event) in events.enumerated() {
      let next = index + 1 < events.count ? events[index + 1] : nil
      switch DeployBot.intents[event.type] {
      case .approval:
        // An approval-kind decision is answered by an approval, or the thread waits.
        if let next { #expect(next.type == "approval", "\(fixture.id) seq \(next.seq)") }
      case .sync:
        if let next {
          #expect(
            next.type == event.type + "_result" || next.type == "error",
            "\(fixture.id) seq \(next.seq): a sync call is followed by its result or an error")
        }
      default: break
      }
      if event.type == "approval" {
        let decision = events[index - 1].type
        #expect(DeployBot.intents[decision] == .approval, "\(fixture.id) seq \(event.seq)")
        if event.data["approved"]?.boolValue == true, let next {
          #expect(
            next.type == decision + "_result" || next.type == "error",
            "\(fixture.id) seq \(next.seq): an approved call is followed by its result or an error")
        }
        if event.data["approved"]?.boolValue == false {
          #expect(event.data["feedback"]?.stringValue?.isEmpty == false)
        }
      }
      if event.type == "error" {
        #expect(event.data["intent"]?.stringValue.map(DeployBot.intents.keys.contains) == true)
        #expect(event.data["message"]?.stringValue?.isEmpty == false)
      }
      if event.type == "done_for_now" {
        #expect(event.data["message"]?.stringValue?.isEmpty == false)
      }
    }
  }

  @Test(arguments: fixtures)
  func escalatesExactlyWhenTheErrorCapIsReached(_ fixture: Fixture) {
    let events = Self.events(of: fixture)
    let reducer = DeployBot.reducer
    let states = reducer.states(events)
    for (index, event) in events.enumerated() {
      let capReached =
        index > 0 && reducer.errorCapReached(states[index - 1])
        && events[index - 1].type == "error"
      if event.isEscalation {
        #expect(event.type == "request_human_input", "\(fixture.id) seq \(event.seq)")
        #expect(capReached, "\(fixture.id) seq \(event.seq): escalation before the cap")
      } else if capReached {
        Issue.record("\(fixture.id) seq \(event.seq): the cap was reached but no escalation")
      }
    }
  }

  @Test(arguments: fixtures)
  func foldsToItsStory(_ fixture: Fixture) throws {
    let story = try #require(fixture.story, "\(fixture.id) has no story")
    #expect(story["story"]?.stringValue?.isEmpty == false)
    let expected = try #require(story["expected"])
    let state = DeployBot.reducer.fold(Self.events(of: fixture))
    #expect(state.status.rawValue == expected["status"]?.stringValue, "\(fixture.id) status")
    #expect(state.steps == expected["steps"]?.intValue, "\(fixture.id) steps")
    #expect(
      state.consecutiveErrors == expected["consecutive_errors"]?.intValue,
      "\(fixture.id) consecutive errors")
    #expect(state.violations.count == expected["violations"]?.intValue, "\(state.violations)")
    let pending = expected["pending"]
    if let pending, !pending.isNull {
      #expect(state.pending?.intent == pending["intent"]?.stringValue, "\(fixture.id) pending")
      #expect(state.pending?.kind.rawValue == pending["kind"]?.stringValue, "\(fixture.id)")
    } else {
      #expect(state.pending == nil, "\(fixture.id): nothing should be pending")
    }
    var counts: [String: Int] = [:]
    for (intent, count) in expected["intent_counts"]?.objectValue ?? [:] {
      counts[intent] = count.intValue
    }
    #expect(state.intentCounts == counts, "\(fixture.id) intent counts")
    #expect(state.steps <= DeployBot.policy.stepBudget)
  }

  @Test(arguments: fixtures)
  func defaultVocabularyInfersTheSameStatus(_ fixture: Fixture) throws {
    let story = try #require(fixture.story)
    let events = Self.events(of: fixture)
    let state = ThreadReducer().fold(events)
    #expect(state.violations.isEmpty, "\(fixture.id): \(state.violations)")
    if let difference = story["default_vocabulary"] {
      // Documented in stories.json: what the default rules cannot infer here, and why.
      #expect(difference["why"]?.stringValue?.isEmpty == false)
      #expect(state.status.rawValue == difference["status"]?.stringValue, "\(fixture.id)")
      #expect(state.status.rawValue != story["expected"]?["status"]?.stringValue)
    } else {
      #expect(
        state.status.rawValue == story["expected"]?["status"]?.stringValue,
        "\(fixture.id): the default vocabulary folds to \(state.status.rawValue)")
    }
  }
}
