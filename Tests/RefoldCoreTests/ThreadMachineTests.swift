import RefoldShared
import RefoldTesting
import Testing

@testable import RefoldCore

/// The thread machine: the state after `k` events depends on those `k` only, a later event
/// that settles an earlier type's class is handled as documented, and what happens next is
/// a value.
@Suite struct ThreadMachineTests {
  typealias Pending = ThreadState.Pending

  static let reducers = [DeployBot.reducer, ThreadReducer()]

  /// `fold(events, upTo: k)` is `fold(Array(events.prefix(k)))`, and the machine after `k`
  /// events is in that state too: over every deploy-bot fixture, with the spec's vocabulary
  /// and with the default one.
  @Test(arguments: DeployBotFixtureTests.fixtures)
  func prefixFoldsOfTheFixtures(_ fixture: DeployBotFixtureTests.Fixture) {
    let events = DeployBotFixtureTests.events(of: fixture)
    for reducer in Self.reducers {
      expectPrefixProperty(reducer, events, "\(fixture.id)")
    }
  }

  /// The same property over generated threads of every event kind, broken ones included.
  @Test func prefixFoldsOfGeneratedThreads() {
    var random = SplitMix64(seed: 2026)
    let generator = FoldEquivalenceTests()
    for round in 0..<150 {
      let events = generator.randomThread(&random, extraTypes: round % 2)
      for vocabulary in FoldEquivalenceTests.vocabularies {
        expectPrefixProperty(ThreadReducer(vocabulary: vocabulary), events, "round \(round)")
      }
    }
  }

  func expectPrefixProperty(_ reducer: ThreadReducer, _ events: [Event], _ context: String) {
    var machine = reducer.machine()
    for count in 0...events.count {
      let prefix = Array(events.prefix(count))
      let folded = reducer.fold(events, upTo: count)
      expectState(folded, equals: reducer.fold(prefix), "\(context) at \(count)")
      expectState(machine.state, equals: folded, "\(context): machine at \(count)")
      if count < events.count { machine.apply(events[count]) }
    }
  }

  /// Default vocabulary: `fetch_logs` is unknown until its result arrives; the result makes
  /// the earlier event a sync decision, which it then answers.
  @Test func aResultSettlesAnEarlierCall() {
    var thread = ThreadBuilder()
    thread.add("user_input", ["text": "why is it slow?"])
    thread.add("fetch_logs", ["service": "api"])
    thread.add("fetch_logs_result", ["lines": 12])
    thread.add("fetch_logs", ["service": "db"])
    var script = ReducerScript(ThreadReducer(), thread.events)
    script.step()
    // Nothing seen so far says what `fetch_logs` is.
    script.step()
    script.step {
      $0.steps = 1
      $0.intentCounts = ["fetch_logs": 1]
    }
    // Now a known sync call: it runs.
    script.step {
      $0.steps = 2
      $0.intentCounts = ["fetch_logs": 2]
      $0.pending = Pending(
        intent: "fetch_logs", kind: .sync, seq: 3, parameters: ["service": "db"])
    }
    script.finish()
    var machine = ThreadReducer().machine(Array(thread.events.prefix(2)))
    #expect(machine.nextStep == .decide)
    #expect(machine.apply(thread.events[2]) == .decide)
    #expect(
      machine.apply(thread.events[3])
        == .runTool(Intent(name: "fetch_logs", parameters: ["service": "db"])))
  }

  /// Default vocabulary: an `approval` right after `deploy_backend` makes it an
  /// approval-kind decision, re-read from the start, so the approval is not a violation.
  @Test func anApprovalSettlesTheDecisionBeforeIt() {
    var thread = ThreadBuilder()
    thread.add("slack_message", ["text": "ship v2"])
    thread.add("deploy_backend", ["tag": "v2"])
    thread.add("approval", ["approved": true, "by": "@tom"])
    var script = ReducerScript(ThreadReducer(), thread.events)
    script.step()
    script.step()
    script.step {
      $0.steps = 1
      $0.intentCounts = ["deploy_backend": 1]
      $0.pending = Pending(intent: "deploy_backend", kind: .sync, seq: 1, parameters: ["tag": "v2"])
    }
    script.finish()
    var machine = ThreadReducer().machine(Array(thread.events.prefix(2)))
    #expect(
      machine.apply(thread.events[2])
        == .runTool(Intent(name: "deploy_backend", parameters: ["tag": "v2"])))
  }

  /// A sync call (known from its result) that is later followed by an approval becomes
  /// approval-kind everywhere in the thread: classes only move up.
  @Test func aSyncCallLaterApprovedBecomesApprovalKind() {
    var thread = ThreadBuilder()
    thread.add("restart", ["service": "api"])
    thread.add("restart_result", ["ok": true])
    thread.add("restart", ["service": "db"])
    let events = thread.events
    let reducer = ThreadReducer()
    var machine = reducer.machine(events)
    #expect(machine.eventClass(at: 0) == .decision(intent: "restart", kind: .sync))
    #expect(machine.nextStep == .runTool(Intent(name: "restart", parameters: ["service": "db"])))
    machine.apply(Event(thread: "t", seq: 3, type: "approval", data: ["approved": true]))
    #expect(machine.eventClass(at: 0) == .decision(intent: "restart", kind: .approval))
    // Re-read as approval-kind, the first call's result answered nothing: it now waited for
    // an approval that never came.
    let state = machine.state
    #expect(state.violations.map(\.rule) == [.resultWithoutCall])
    #expect(state == reducer.fold(machine.events))
    #expect(machine.nextStep == .runTool(Intent(name: "restart", parameters: ["service": "db"])))
  }

  @Test func nextStepFollowsTheState() {
    let reducer = DeployBot.reducer
    var machine = reducer.machine()
    #expect(machine.apply(Event(thread: "t", seq: 0, type: "user_input")) == .decide)
    let deploy = Intent(name: "deploy_backend", parameters: ["tag": "v1"])
    #expect(
      machine.apply(Event(thread: "t", seq: 1, type: "deploy_backend", data: ["tag": "v1"]))
        == .awaitApproval(deploy))
    #expect(
      machine.apply(Event(thread: "t", seq: 2, type: "approval", data: ["approved": true]))
        == .runTool(deploy))
    #expect(
      machine.apply(Event(thread: "t", seq: 3, type: "error", data: ["message": "refused"]))
        == .decide)
    #expect(
      machine.apply(Event(thread: "t", seq: 4, type: "request_clarification"))
        == .awaitHuman(Intent(name: "request_clarification", parameters: [:])))
    #expect(machine.apply(Event(thread: "t", seq: 5, type: "human_response")) == .decide)
    #expect(
      machine.apply(Event(thread: "t", seq: 6, type: "done_for_now", data: ["message": "ok"]))
        == .done(Intent(name: "done_for_now", parameters: ["message": "ok"])))
  }

  @Test(arguments: [ControlPolicy.Escalation.deterministic, .model])
  func theErrorCapEscalates(_ escalation: ControlPolicy.Escalation) {
    let policy = ControlPolicy(errorCap: 2, escalation: escalation)
    var machine = ThreadReducer(vocabulary: DeployBot.vocabulary, policy: policy).machine()
    machine.apply(Event(thread: "t", seq: 0, type: "user_input"))
    for seq in 1...2 {
      machine.apply(
        Event(thread: "t", seq: seq, type: "error", data: ["message": .string("bad \(seq)")]))
    }
    let atCap = NextStep.escalate(
      .init(intent: "request_human_input", errors: 2, forced: false, lastError: "bad 2"))
    #expect(machine.nextStep == (escalation == .deterministic ? atCap : .decide))
    machine.apply(Event(thread: "t", seq: 3, type: "error", data: ["message": "bad 3"]))
    guard case .escalate(let request) = machine.nextStep else {
      Issue.record("expected an escalation, got \(machine.nextStep)")
      return
    }
    #expect(request.errors == 3)
    #expect(request.forced == (escalation == .model))
    #expect(request.data["question"]?.stringValue?.contains("the last one: bad 3") == true)
    let event = Event(
      thread: "t", seq: 4, type: request.intent, data: request.data, meta: request.meta)
    #expect(machine.apply(event) == .escalated)
    #expect(machine.state.status == .escalated)
  }

  @Test func theStepBudgetStopsAfterTheLastCallRuns() {
    let policy = ControlPolicy(stepBudget: 1)
    var machine = ThreadReducer(vocabulary: DeployBot.vocabulary, policy: policy).machine()
    let call = Intent(name: "list_git_tags", parameters: [:])
    #expect(machine.apply(Event(thread: "t", seq: 0, type: "list_git_tags")) == .runTool(call))
    #expect(machine.apply(Event(thread: "t", seq: 1, type: "list_git_tags_result")) == .stepLimit)
  }

  @Test func kindOfIntentInfersFromTheEventsSeenSoFar() {
    var machine = ThreadReducer().machine()
    #expect(machine.kind(ofIntent: "fetch_logs") == nil)
    #expect(machine.kind(ofIntent: "done_for_now") == .terminal)
    machine.apply(Event(thread: "t", seq: 0, type: "fetch_logs_result"))
    #expect(machine.kind(ofIntent: "fetch_logs") == .sync)
    #expect(machine.kind(ofIntent: "approval") == nil)
  }
}
