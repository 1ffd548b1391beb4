import RefoldCore
import Synchronization

/// Tools that answer from a closure, given the intent and how many calls came before, and
/// remember the intents they ran.
///
/// ```swift
/// let tools = ScriptedToolRunner { intent, call in
///   call == 0 ? .failure("connection refused") : .success(["status": "deployed"])
/// }
/// ```
public final class ScriptedToolRunner: ToolRunner {
  /// Answers the intent of the `call`-th run (from 0).
  public typealias Handler = @Sendable (_ intent: Intent, _ call: Int) throws -> ToolOutcome

  private let handler: Handler
  private let ran = Mutex<[Intent]>([])

  public init(_ handler: @escaping Handler) { self.handler = handler }

  /// Tools that answer every intent with its entry in `results` (a failure for any other).
  public convenience init(results: [String: JSONValue]) {
    self.init { intent, _ in
      results[intent.name].map(ToolOutcome.success) ?? .failure("no tool for \(intent.name)")
    }
  }

  public func run(_ intent: Intent, thread: String, events: [Event]) async throws -> ToolOutcome {
    let call = ran.withLock { intents in
      intents.append(intent)
      return intents.count - 1
    }
    return try handler(intent, call)
  }

  /// The intents run, in order.
  public var intents: [Intent] { ran.withLock { $0 } }

  /// How many times a tool ran.
  public var calls: Int { ran.withLock { $0.count } }
}
