import RefoldCore
import RefoldModels

/// Everything that can go wrong while loading or running a suite, as one clear sentence.
///
/// The command layer maps ``sourceFailed(thread:step:message:)`` to exit code 3 and every
/// other case to exit code 2.
public enum SuiteError: RefoldError, Sendable, Hashable {
  /// A value in a suite or expectations file is wrong; `path` is the location inside the
  /// document (`variants.concise.context_format`), `line` the 1-based line when known.
  case invalid(file: String, line: Int?, path: String, message: String)
  /// A file could not be read or parsed at all.
  case unreadable(file: String, message: String)
  /// A fixture line is not a valid event.
  case invalidFixture(file: String, line: Int, message: String)
  /// The model source failed for a decision (cassette miss, unreachable endpoint).
  case sourceFailed(thread: String, step: Int?, message: String)

  /// The same problem, word for word, found by the YAML reader.
  public init(_ problem: YAMLProblem) {
    self = .invalid(
      file: problem.file, line: problem.line, path: problem.path, message: problem.message)
  }

  /// Runs `body`, turning a ``YAMLProblem`` into ``invalid(file:line:path:message:)``.
  static func checking<Value>(_ body: () throws(YAMLProblem) -> Value) throws(SuiteError)
    -> Value
  {
    try YAMLProblem.reported(as: SuiteError.init, body)
  }

  public var description: String {
    switch self {
    case .invalid(let file, let line, let path, let message):
      let location = line.map { "\(file):\($0)" } ?? file
      return path.isEmpty ? "\(location): \(message)" : "\(location): \(path): \(message)"
    case .unreadable(let file, let message):
      return "\(file): \(message)"
    case .invalidFixture(let file, let line, let message):
      return "\(file):\(line): \(message)"
    case .sourceFailed(let thread, let step, let message):
      let location = step.map { "thread \"\(thread)\" decision \($0)" } ?? "thread \"\(thread)\""
      return "the model source failed for \(location): \(message)"
    }
  }

  /// A suite, fixture or expectations mistake exits 2; a failing model source exits 3.
  public var exitStatus: ExitStatus {
    if case .sourceFailed = self { return .sourceFailed }
    return .invalidInput
  }
}
