import RefoldCore

/// Why a report could not be written or read.
public enum ReportError: RefoldError, Sendable, Hashable {
  /// A file or directory could not be written.
  case cannotWrite(path: String, reason: String)
  /// A file could not be read or decoded.
  case cannotRead(path: String, reason: String)
  /// An evaluation's `results.json` of several variants was given where one run is needed:
  /// `requested` is the variant asked for (none, or one it lacks), `files` each variant's
  /// own file.
  case severalVariants(
    path: String, evaluation: String, requested: String?, variants: [String], files: [String])

  public var description: String {
    switch self {
    case .cannotWrite(let path, let reason):
      return "Cannot write \(path): \(reason)."
    case .cannotRead(let path, let reason):
      return "Cannot read \(path): \(reason)."
    case .severalVariants(let path, let evaluation, let requested, let variants, let files):
      let what =
        requested.map { "has no variant \"\($0)\" (it has \(variants.joined(separator: ", ")))" }
        ?? "holds \(variants.count) variants (\(variants.joined(separator: ", ")))"
      return
        "\(path) is the results of evaluation \(evaluation) and \(what); give one variant's "
        + "own results file: \(files.joined(separator: ", "))."
    }
  }

  /// A report that cannot be written is the environment (4); an unreadable input is 2.
  public var exitStatus: ExitStatus {
    switch self {
    case .cannotWrite: return .environment
    case .cannotRead, .severalVariants: return .invalidInput
    }
  }
}
