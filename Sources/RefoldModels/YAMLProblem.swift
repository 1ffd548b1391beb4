import RefoldCore

/// A mistake in a YAML document: where it is and what was expected.
///
/// Reads as `file:line: path: what is wrong (did you mean …?)`. The loaders turn it into
/// their own error (``AgentSpecError``, the suite's and the server's) without changing a
/// word.
public struct YAMLProblem: RefoldError, Sendable, Hashable {
  public var file: String
  /// The 1-based line, when known.
  public var line: Int?
  /// The path inside the file; empty for the whole file.
  public var path: String
  public var message: String

  public init(file: String, line: Int?, path: String, message: String) {
    self.file = file
    self.line = line
    self.path = path
    self.message = message
  }

  /// A problem at `location`.
  public init(at location: YAMLLocation, _ message: String) {
    self.init(file: location.file, line: location.line, path: location.path, message: message)
  }

  /// Runs `body`, turning a problem it throws into a loader's own error with `report`
  /// (`AgentSpecError.init`), word for word.
  public static func reported<Value, Failure: Error>(
    as report: (YAMLProblem) -> Failure, _ body: () throws(YAMLProblem) -> Value
  ) throws(Failure) -> Value {
    do {
      return try body()
    } catch {
      throw report(error)
    }
  }

  /// A mistake in a file: invalid input.
  public var exitStatus: ExitStatus { .invalidInput }

  public var description: String {
    let place = line.map { "\(file):\($0)" } ?? file
    return path.isEmpty ? "\(place): \(message)" : "\(place): \(path): \(message)"
  }
}
