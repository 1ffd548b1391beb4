/// Why a report could not be written or read.
public enum ReportError: Error, Sendable, Hashable, CustomStringConvertible {
  /// A file or directory could not be written.
  case cannotWrite(path: String, reason: String)
  /// A file could not be read or decoded.
  case cannotRead(path: String, reason: String)

  public var description: String {
    switch self {
    case .cannotWrite(let path, let reason):
      return "Cannot write \(path): \(reason)."
    case .cannotRead(let path, let reason):
      return "Cannot read \(path): \(reason)."
    }
  }
}
