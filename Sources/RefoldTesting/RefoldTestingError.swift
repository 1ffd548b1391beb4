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
  /// A recorded model was asked for, but the variant has no cassette to replay.
  case noCassette(variant: String, path: String?)

  public var description: String {
    switch self {
    case .noScriptedAnswer(let thread, let call, let eventCount):
      "no scripted answer for thread \(thread) at call \(call) (\(eventCount) events)"
    case .runExists(let id): "a run with id \(id) is already stored"
    case .serverNotListening: "the provider server is not listening on 127.0.0.1"
    case .noCassette(let variant, let path?):
      "no cassette at \(path) for variant \(variant); record one with `refold eval --model record`"
    case .noCassette(let variant, nil):
      "the suite names no cassette for variant \(variant); add `cassette:` to its suite.yaml"
    }
  }

  /// A script or store mistake is the test's input (2); a missing cassette is a model source
  /// that cannot answer (3); a server that did not start is the environment (4).
  public var exitStatus: ExitStatus {
    switch self {
    case .noScriptedAnswer, .runExists: return .invalidInput
    case .noCassette: return .sourceFailed
    case .serverNotListening: return .environment
    }
  }
}
