import RefoldCore

/// A failure of the command layer itself: one sentence for standard error, and the exit
/// status.
///
/// Errors of the other modules reach ``CLI`` as they are (each conforms to `RefoldError`);
/// this type is for what only a command knows: a variant the suite lacks, a missing store, a
/// gate that did not pass.
public struct CLIError: RefoldError, Sendable, Hashable {
  public var message: String
  public var exitStatus: ExitStatus

  public init(_ message: String, exitStatus: ExitStatus = .invalidInput) {
    self.message = message
    self.exitStatus = exitStatus
  }

  public var description: String { message }
}
