import RefoldCore

/// What stops an evaluation before any case is asked, beyond a broken suite or fixture.
public enum EvaluationError: RefoldError, Sendable, Hashable {
  /// A variant was asked for that the suite does not define.
  case unknownVariant(String, suite: String, known: [String])
  /// The evaluation finished and its reports were written, but these runs could not be
  /// stored (after retrying): `reason` is the store's sentence, `status` its exit status.
  case runsNotStored(
    runs: [String], reportLocation: String?, reason: String, status: ExitStatus)

  public var description: String {
    switch self {
    case .unknownVariant(let name, let suite, let known):
      "suite \(suite) has no variant \"\(name)\" (it has: \(known.joined(separator: ", ")))"
    case .runsNotStored(let runs, let location, let reason, _):
      "the evaluation finished but run \(runs.joined(separator: ", ")) could not be stored "
        + "(\(reason))" + (location.map { "; its reports are in \($0)" } ?? "")
    }
  }

  /// A variant the suite lacks is a mistake in the request: invalid input; a run not stored
  /// exits as the store's failure does (4 for a busy or full store).
  public var exitStatus: ExitStatus {
    switch self {
    case .unknownVariant: .invalidInput
    case .runsNotStored(_, _, _, let status): status
    }
  }
}
