import RefoldCore
import RefoldShared
import Synchronization

/// Serves tool calls in loop replay from a golden thread's recording, with scripted faults.
///
/// A call is answered by the earliest unused recorded call with the same intent whose
/// parameters match (with that golden step's matchers); each recorded answer is used once.
/// An `error` recorded after a call replays as that failure. Scripted faults come first: the
/// first `fails` calls a fault applies to fail with its message and use up no recording.
/// A call nothing can answer throws ``ToolSimulator/Diverged``, which stops the loop.
/// Results are answered with the recorded event's own type and data, so a thread recorded
/// with `tool_response` events is continued with `tool_response` events.
///
/// Approvals and human responses are answered the same way by ``approval(for:)`` and
/// ``humanResponse(for:escalation:)``.
public final class ToolSimulator: ToolRunner {
  /// A recorded call and how the golden thread answered it.
  public struct RecordedCall: Sendable, Hashable {
    public var step: Int
    public var call: Intent
    public var matchers: [String: ParameterMatcher]
    public var outcome: ToolOutcome
  }

  /// A recorded approval-kind call and the approval event's data.
  public struct RecordedApproval: Sendable, Hashable {
    public var step: Int
    public var call: Intent
    public var matchers: [String: ParameterMatcher]
    public var answer: JSONValue
  }

  /// A recorded human-kind decision and the response that followed it.
  public struct RecordedResponse: Sendable, Hashable {
    public var intent: String
    public var escalation: Bool
    public var response: JSONValue
  }

  /// The loop asked for something the recording cannot answer.
  public struct Diverged: Error, Sendable, Hashable, CustomStringConvertible {
    public var divergence: Divergence
    public var description: String {
      let expected = divergence.expected.map { "\($0.name) \($0.parameters.canonicalString)" }
      return "decision \(divergence.step) called \(divergence.actual.name) "
        + "\(divergence.actual.parameters.canonicalString), which the recording cannot answer"
        + (expected.map { " (the recording expects \($0))" } ?? "")
    }
  }

  private struct Usage {
    var callsUsed: Set<Int> = []
    var approvalsUsed: Set<Int> = []
    var responsesUsed: Set<Int> = []
    var faultHits: [Int: Int] = [:]
    var faultsInjected = 0
  }

  public let calls: [RecordedCall]
  public let approvals: [RecordedApproval]
  public let responses: [RecordedResponse]
  public let faults: [ToolFault]
  /// The approval-kind call the golden thread ends waiting on, if it does.
  public let unansweredApproval: RecordedApproval?
  private let reducer: ThreadReducer
  private let usage = Mutex(Usage())

  /// A simulator for `golden`, with `expectation`'s step matchers and faults.
  public init(golden: GoldenThread, expectation: ThreadExpectation, reducer: ThreadReducer) {
    self.reducer = reducer
    self.faults = expectation.faults
    var calls: [RecordedCall] = []
    var approvals: [RecordedApproval] = []
    var responses: [RecordedResponse] = []
    var unanswered: [RecordedApproval] = []
    let events = golden.events
    let classes = reducer.vocabulary.classify(events)
    func next(after index: Int) -> Int? {
      var cursor = index + 1
      while cursor < events.count, classes[cursor] == .other { cursor += 1 }
      return cursor < events.count ? cursor : nil
    }
    func outcome(at index: Int?) -> ToolOutcome? {
      guard let index else { return nil }
      switch classes[index] {
      // The recording's own result type (`tool_response`, an alias), not `<intent>_result`.
      case .result: return .recorded(type: events[index].type, data: events[index].data)
      case .error:
        return .failure(
          events[index].data["message"]?.stringValue ?? events[index].data.canonicalString)
      default: return nil
      }
    }
    for (index, event) in events.enumerated() {
      guard case .decision(let name, let kind) = classes[index] else { continue }
      let point = golden.decisions.first { $0.eventIndex == index }
      let step = point?.step ?? -1
      let matchers =
        point.flatMap { expectation.step($0.step, seq: $0.seq, intent: $0.intent.name)?.parameters }
        ?? [:]
      let call = Intent(name: name, parameters: reducer.parameters(of: event))
      switch kind {
      case .sync:
        if let answer = outcome(at: next(after: index)) {
          calls.append(RecordedCall(step: step, call: call, matchers: matchers, outcome: answer))
        }
      case .approval:
        guard let approvalIndex = next(after: index),
          reducer.vocabulary.isApproval(events[approvalIndex].type)
        else {
          if next(after: index) == nil {
            unanswered.append(
              RecordedApproval(step: step, call: call, matchers: matchers, answer: .null))
          }
          continue
        }
        approvals.append(
          RecordedApproval(
            step: step, call: call, matchers: matchers, answer: events[approvalIndex].data))
        if events[approvalIndex].data["approved"]?.boolValue != false,
          let answer = outcome(at: next(after: approvalIndex))
        {
          calls.append(RecordedCall(step: step, call: call, matchers: matchers, outcome: answer))
        }
      case .human:
        if let responseIndex = next(after: index),
          reducer.vocabulary.isHumanResponse(events[responseIndex].type)
        {
          responses.append(
            RecordedResponse(
              intent: name, escalation: event.isEscalation, response: events[responseIndex].data))
        }
      case .terminal:
        break
      }
    }
    self.calls = calls
    self.approvals = approvals
    self.responses = responses
    self.unansweredApproval = unanswered.first
  }

  public func run(_ intent: Intent, thread: String, events: [Event]) async throws -> ToolOutcome {
    let step = max(0, reducer.fold(events).steps - 1)
    return try usage.withLock { usage throws(Diverged) -> ToolOutcome in
      for (index, fault) in faults.enumerated() where fault.applies(to: intent) {
        if usage.faultHits[index, default: 0] < fault.fails {
          usage.faultHits[index, default: 0] += 1
          usage.faultsInjected += 1
          return .failure(fault.message)
        }
      }
      if let index = calls.indices.first(where: { index in
        !usage.callsUsed.contains(index)
          && ToolSimulator.matches(calls[index].call, calls[index].matchers, intent)
      }) {
        usage.callsUsed.insert(index)
        return calls[index].outcome
      }
      let unused = calls.indices.filter { !usage.callsUsed.contains($0) }
      let nearest =
        unused.first { calls[$0].call.name == intent.name } ?? unused.first
      let expected = nearest.map { calls[$0] }
      let difference =
        expected.map {
          $0.call.name == intent.name
            ? ParameterComparison.differences(
              expected: $0.call.parameters, actual: intent.parameters, matchers: $0.matchers)
            : []
        } ?? []
      throw Diverged(
        divergence: Divergence(
          step: step, expected: expected?.call, actual: intent, parameterDiff: difference))
    }
  }

  /// The golden thread's answer to an approval-kind call: the earliest unused matching
  /// approval, else the last matching one (a retried call is approved as before); nil when
  /// the recording never saw such a call.
  public func approval(for call: Intent) -> JSONValue? {
    usage.withLock { usage in
      let matching = approvals.indices.filter {
        ToolSimulator.matches(approvals[$0].call, approvals[$0].matchers, call)
      }
      guard
        let chosen = matching.first(where: { !usage.approvalsUsed.contains($0) }) ?? matching.last
      else { return nil }
      usage.approvalsUsed.insert(chosen)
      return approvals[chosen].answer
    }
  }

  /// The golden thread's next unused response to a human-kind decision of the same intent
  /// (runtime escalations answer only runtime escalations); nil when there is none.
  public func humanResponse(for intent: String, escalation: Bool) -> JSONValue? {
    usage.withLock { usage in
      guard
        let index = responses.indices.first(where: {
          !usage.responsesUsed.contains($0) && responses[$0].escalation == escalation
            && (escalation || responses[$0].intent == intent)
        })
      else { return nil }
      usage.responsesUsed.insert(index)
      return responses[index].response
    }
  }

  /// Whether the golden thread ends waiting for approval of a call matching `call` (a run
  /// that gets there ends paused too, not diverged).
  public func endsAwaitingApproval(of call: Intent) -> Bool {
    guard let pending = unansweredApproval else { return false }
    return ToolSimulator.matches(pending.call, pending.matchers, call)
  }

  /// The expected call at a divergence on an approval-kind call with no recorded approval.
  func nearestApproval(for call: Intent) -> RecordedApproval? {
    approvals.first { $0.call.name == call.name } ?? approvals.first
  }

  /// How many scripted faults were injected so far.
  public var faultsInjected: Int { usage.withLock { $0.faultsInjected } }

  static func matches(_ recorded: Intent, _ matchers: [String: ParameterMatcher], _ call: Intent)
    -> Bool
  {
    recorded.name == call.name
      && ParameterComparison.differences(
        expected: recorded.parameters, actual: call.parameters, matchers: matchers
      ).isEmpty
  }
}
