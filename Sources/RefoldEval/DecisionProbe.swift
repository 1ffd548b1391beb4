import RefoldCore
import RefoldShared

/// One decision point of a thread, ready to be asked again: the events before it (edited
/// when edits were given), and the decision the thread recorded there.
///
/// Steps are numbered from 0 among the model's decisions, as case ids are
/// (`deploy-001#2`). The answer is scored against the recorded decision the way step replay
/// scores it (``StepReplay/score(_:at:in:override:)``), with the suite's expectations.
///
/// ```swift
/// let probe = try DecisionProbe(
///   events: events, step: 2, reducer: spec.reducer, expectations: suite.expectations,
///   edits: [try ThreadEdit(drop: "3")])
/// let answer = try await probe.ask(decider)
/// print(answer.label, answer.scored.verdict)
/// ```
public struct DecisionProbe: Sendable {
  public var golden: GoldenThread
  public var point: DecisionPoint
  /// The events before the decision point, edits applied: what the agent is asked with.
  public var context: [Event]
  /// The expectation override of this step, if the suite has one.
  public var expectation: StepExpectation?
  public var reducer: ThreadReducer
  public var expectations: Expectations

  /// The thread's id.
  public var thread: String { golden.id }

  /// The probe of decision `step` of `events`.
  ///
  /// - Throws: ``ProbeError`` for a step out of range or an edit that cannot be applied.
  public init(
    events: [Event], step: Int, reducer: ThreadReducer, expectations: Expectations = .none,
    edits: [ThreadEdit] = []
  ) throws(ProbeError) {
    let golden = GoldenThread(events: events, reducer: reducer)
    let count = golden.decisions.count
    guard golden.decisions.indices.contains(step) else {
      let range = count == 0 ? "none" : count == 1 ? "step 0" : "steps 0–\(count - 1)"
      throw ProbeError(
        "thread \(golden.id) has \(count) decision points (\(range)); --at \(step) is out of "
          + "range")
    }
    let point = golden.decisions[step]
    self.golden = golden
    self.point = point
    self.reducer = reducer
    self.expectations = expectations
    self.expectation = expectations.forThread(golden.id).step(
      point.step, seq: point.seq, intent: point.intent.name)
    self.context = try ThreadEdit.apply(
      edits, to: Array(events[..<point.eventIndex]), thread: golden.id)
  }

  /// Asks `decider` (a fresh session of it) with the probe's context.
  ///
  /// - Throws: what the decider throws: the model source or the agent failed.
  public func ask(_ decider: any Decider) async throws -> ProbeAnswer {
    try await ask(decider.session(), context: context)
  }

  /// Asks `decider` (as it is: occurrences of identical requests continue) with `events`.
  public func ask(_ decider: any Decider, context events: [Event]) async throws -> ProbeAnswer {
    let decision = try await decider.decide(thread: golden.id, events: events)
    let scorer = StepReplay(
      reducer: reducer, decider: decider, expectations: expectations, retention: .all)
    return ProbeAnswer(
      decision: decision,
      scored: scorer.score(decision, at: point, in: golden, override: expectation))
  }
}
