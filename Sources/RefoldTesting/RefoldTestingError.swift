import RefoldCore

/// What goes wrong in a test double: a script ran out, a store refused, a server did not start.
public enum RefoldTestingError: RefoldError, Sendable, Hashable {
  /// A scripted decider was asked more often than its script answers, or its closure had no
  /// answer for this context.
  case noScriptedAnswer(thread: String, call: Int, eventCount: Int)
  /// A run with this id is already stored (runs are never replaced).
  case runExists(String)
  /// The local provider server did not report a port to listen on.
  case serverNotListening

  public var description: String {
    switch self {
    case .noScriptedAnswer(let thread, let call, let eventCount):
      "no scripted answer for thread \(thread) at call \(call) (\(eventCount) events)"
    case .runExists(let id): "a run with id \(id) is already stored"
    case .serverNotListening: "the provider server is not listening on 127.0.0.1"
    }
  }

  /// A script or store mistake is the test's input (2); a server that did not start is the
  /// environment (4).
  public var exitStatus: ExitStatus {
    switch self {
    case .noScriptedAnswer, .runExists: return .invalidInput
    case .serverNotListening: return .environment
    }
  }
}
