import RefoldCore

/// A mistake in an agent spec or its prompt template: where it is and what was expected.
///
/// Every problem the loader finds is reported with this one type, so the command layer can
/// print it as one sentence and exit with status 2:
///
/// ```
/// evals/deploybot/agent.yaml:14: intents.deploy_backend.params.properties.tag.type:
/// expected one of array, boolean, integer, null, number, object, string, found "strin"
/// ```
public struct AgentSpecError: RefoldError, Sendable, Hashable {
  /// The file with the mistake (the `agent.yaml`, or the prompt template).
  public var file: String
  /// The 1-based line, when known.
  public var line: Int?
  /// The path inside the file: `intents.deploy_backend.params.properties.tag.type`; empty
  /// for the whole file.
  public var path: String
  /// What was expected there, or what is wrong.
  public var message: String

  public init(file: String, line: Int? = nil, path: String, message: String) {
    self.file = file
    self.line = line
    self.path = path
    self.message = message
  }

  /// The same problem, word for word, found by the YAML reader.
  public init(_ problem: YAMLProblem) {
    self.init(file: problem.file, line: problem.line, path: problem.path, message: problem.message)
  }

  /// A mistake in the spec: invalid input.
  public var exitStatus: ExitStatus { .invalidInput }

  public var description: String {
    let location = line.map { "\(file):\($0)" } ?? file
    return path.isEmpty ? "\(location): \(message)" : "\(location): \(path): \(message)"
  }
}
