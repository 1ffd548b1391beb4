import RefoldCore

/// Why an external agent gave no answer: it crashed, hung, printed something that is not a
/// protocol answer, or could not be reached.
public struct ExternalAgentError: RefoldError, Sendable, Hashable {
  /// The sentence, naming the thread and the step.
  public var message: String

  public init(_ message: String) { self.message = message }

  public var description: String { message }

  /// An agent that gives no answer is a failed source (exit 3).
  public var exitStatus: ExitStatus { .sourceFailed }
}
