import RefoldCore
import RefoldEval
import Synchronization

/// A decider that answers from a script and remembers every context it was asked about.
///
/// Either a list of outcomes, one per call in order, or a closure that answers from the
/// thread so far (a stateless policy, like a model's). A call the script has no answer for
/// throws ``RefoldTestingError/noScriptedAnswer(thread:call:eventCount:)``, which replay
/// treats like a cassette miss.
///
/// ```swift
/// let decider = ScriptedDecider([.intent(Intent(name: "list_git_tags")),
///                                .intent(Intent(name: "done_for_now"))])
/// let policy = ScriptedDecider { thread, events in
///   events.contains { $0.type == "list_git_tags_result" }
///     ? Decision(outcome: .intent(Intent(name: "done_for_now"))) : nil
/// }
/// ```
public final class ScriptedDecider: Decider {
  /// Answers a context with a decision, or nil for none.
  public typealias Answer =
    @Sendable (_ thread: String, _ events: [Event]) async throws -> Decision?

  private let answer: Answer
  private let asked = Mutex<[[Event]]>([])

  /// A decider answering with a decision for every context, from `answer`.
  public init(_ answer: @escaping Answer) { self.answer = answer }

  /// A decider answering the n-th call with `outcomes[n]`, under the exchange key `key-n`.
  public convenience init(_ outcomes: [Decision.Outcome]) {
    let script = Mutex(0)
    self.init { _, _ in
      let index = script.withLock { next in
        defer { next += 1 }
        return next
      }
      guard index < outcomes.count else { return nil }
      return Decision(outcome: outcomes[index], exchangeKey: "key-\(index)")
    }
  }

  /// A decider that answers every decision point of `threads` as the golden thread does:
  /// a suite evaluated with it passes every step case (a check of the suite itself).
  public convenience init(goldenThreads threads: [[Event]], reducer: ThreadReducer) {
    var table: [String: [Int: Intent]] = [:]
    for events in threads {
      let golden = GoldenThread(events: events, reducer: reducer)
      for point in golden.decisions {
        table[golden.id, default: [:]][point.eventIndex] = point.intent
      }
    }
    let answers = table
    self.init { thread, events in
      answers[thread]?[events.count].map { Decision(outcome: .intent($0)) }
    }
  }

  public func decide(thread: String, events: [Event]) async throws -> Decision {
    let call = asked.withLock { contexts in
      contexts.append(events)
      return contexts.count - 1
    }
    guard let decision = try await answer(thread, events) else {
      throw RefoldTestingError.noScriptedAnswer(
        thread: thread, call: call, eventCount: events.count)
    }
    return decision
  }

  /// The contexts asked about, in call order.
  public var contexts: [[Event]] { asked.withLock { $0 } }

  /// How many times the decider was asked.
  public var calls: Int { asked.withLock { $0.count } }
}
