import RefoldCore

/// What can go wrong in the recording proxy, the agent service, promotion and OTLP import.
///
/// Each case carries what a person needs to act: the file and line, the thread, the address.
public enum ServerError: RefoldError, Sendable, Hashable {
  /// A `--listen` value that is not `HOST:PORT`.
  case invalidListenAddress(String)
  /// An `--upstream` value that is not an http(s) URL.
  case invalidUpstream(String)
  /// A tools file (or the spec's `tools:` section) that cannot be used.
  case invalidTools(file: String, reason: String)
  /// A redaction rule that cannot be applied.
  case invalidRedaction(file: String, rule: Int, reason: String)
  /// A thread that is not in the store.
  case unknownThread(String)
  /// Promotion could not complete (a missing exchange, an unwritable file).
  case promotion(thread: String, reason: String)
  /// A promoted file (fixture, cassette, expectations) cannot be written.
  case promotionUnwritable(thread: String, path: String, reason: String)
  /// An OTLP file that is not OTLP JSON.
  case invalidOTLP(file: String, reason: String)
  /// A sync intent's tool cannot be run at all (no command, or it cannot start).
  case toolNotRunnable(intent: String, reason: String)
  /// The HTTP server could not start.
  case listenFailed(address: String, reason: String)

  public var description: String {
    switch self {
    case .invalidListenAddress(let value):
      return "\"\(value)\" is not a listen address; write HOST:PORT, such as 127.0.0.1:8787"
    case .invalidUpstream(let value):
      return "\"\(value)\" is not an upstream URL; write http(s)://HOST[:PORT]/PATH"
    case .invalidTools(let file, let reason): return "\(file): \(reason)"
    case .invalidRedaction(let file, let rule, let reason):
      return "\(file): redaction[\(rule)]: \(reason)"
    case .unknownThread(let thread): return "no thread \"\(thread)\" in the store"
    case .promotion(let thread, let reason): return "cannot promote thread \"\(thread)\": \(reason)"
    case .promotionUnwritable(let thread, let path, let reason):
      return "cannot promote thread \"\(thread)\": cannot write \(path): \(reason)"
    case .invalidOTLP(let file, let reason): return "\(file): \(reason)"
    case .toolNotRunnable(let intent, let reason):
      return "the tool for intent \"\(intent)\" cannot run: \(reason)"
    case .listenFailed(let address, let reason): return "cannot listen on \(address): \(reason)"
    }
  }

  /// Mistakes in addresses, tool and redaction files, OTLP input and promotion requests exit
  /// 2; an address that cannot be listened on or a promoted file that cannot be written is
  /// the environment (4).
  public var exitStatus: ExitStatus {
    switch self {
    case .listenFailed, .promotionUnwritable: return .environment
    case .invalidListenAddress, .invalidUpstream, .invalidTools, .invalidRedaction,
      .unknownThread, .promotion, .invalidOTLP, .toolNotRunnable:
      return .invalidInput
    }
  }
}
