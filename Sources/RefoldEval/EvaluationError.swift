import RefoldCore

/// What stops an evaluation before any case is asked, beyond a broken suite or fixture.
public enum EvaluationError: RefoldError, Sendable, Hashable {
  /// A variant was asked for that the suite does not define.
  case unknownVariant(String, suite: String, known: [String])

  public var description: String {
    switch self {
    case .unknownVariant(let name, let suite, let known):
      "suite \(suite) has no variant \"\(name)\" (it has: \(known.joined(separator: ", ")))"
    }
  }

  /// A variant the suite lacks is a mistake in the request: invalid input.
  public var exitStatus: ExitStatus { .invalidInput }
}
