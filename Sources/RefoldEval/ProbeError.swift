import RefoldCore

/// A question about a decision point that cannot be asked as written: a step out of range,
/// an edit naming an event that is not there, an edit that does not parse.
///
/// Every case is a mistake in the request (exit 2), told in one sentence that names the
/// thread, the step or the seq.
public struct ProbeError: RefoldError, Sendable, Hashable {
  public var message: String

  public init(_ message: String) { self.message = message }

  public var description: String { message }

  public var exitStatus: ExitStatus { .invalidInput }
}
