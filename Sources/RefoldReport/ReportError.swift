/// Why a report could not be written or read.
public enum ReportError: Error, Sendable, Hashable, CustomStringConvertible {
  /// A file or directory could not be written.
  case cannotWrite(path: String, reason: String)
  /// A file could not be read or decoded.
  case cannotRead(path: String, reason: String)
  /// Two runs cannot be compared (no shared cases).
  case nothingToCompare(baseline: String, candidate: String)

  public var description: String {
    switch self {
    case .cannotWrite(let path, let reason):
      return "Cannot write \(path): \(reason)."
    case .cannotRead(let path, let reason):
      return "Cannot read \(path): \(reason)."
    case .nothingToCompare(let baseline, let candidate):
      return "Runs \(baseline) and \(candidate) share no cases, so there is nothing to compare."
    }
  }
}
