import RefoldCore

/// Why a judged parameter has no verdict: the judge or embeddings model failed, or answered
/// something that is not a verdict.
public struct JudgeError: RefoldError, Sendable, Hashable {
  /// The parameter's path.
  public var path: String
  /// What went wrong, one sentence.
  public var message: String

  public init(path: String, message: String) {
    self.path = path
    self.message = message
  }

  public var exitStatus: ExitStatus { .sourceFailed }

  public var description: String { "parameter \(path): \(message)" }
}
