/// A command failure: one sentence for standard error, and the exit code.
///
/// Exit codes: 1 the evaluation fell below a threshold or regressed, 2 bad usage or invalid
/// input, 3 the model source failed.
public struct CLIError: Error, Sendable, Hashable, CustomStringConvertible {
  public var message: String
  public var exitCode: Int32

  public init(_ message: String, exitCode: Int32 = CLIError.invalidInput) {
    self.message = message
    self.exitCode = exitCode
  }

  public var description: String { message }

  /// Below a threshold, or a significant regression.
  public static let belowThreshold: Int32 = 1
  /// Bad usage or invalid input.
  public static let invalidInput: Int32 = 2
  /// The model source failed (unreachable, cassette miss).
  public static let modelSourceFailed: Int32 = 3
}
