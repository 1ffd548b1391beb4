/// An error that knows how the `refold` command reports it: its sentence and its exit status.
///
/// Every module's error type conforms once (`StoreError`, `EventStoreError`, `SuiteError`,
/// `AgentSpecError`, `ModelSourceError`, `ReportError`, `ServerError`, `CLIError`), so the
/// command layer maps any failure with a single cast instead of a switch over types, the way
/// Hummingbird's `HTTPResponseError` carries its own status:
///
/// ```swift
/// if let error = error as? any RefoldError {
///   for line in error.lines { print("refold: \(line)") }
///   return error.exitStatus.rawValue
/// }
/// ```
public protocol RefoldError: Error, CustomStringConvertible {
  /// How the command exits when this error ends it.
  var exitStatus: ExitStatus { get }
  /// What standard error shows, one line each: the description for most errors, one line
  /// per problem for a batch of invalid input lines.
  var lines: [String] { get }
}

extension RefoldError {
  public var lines: [String] { [description] }
}
