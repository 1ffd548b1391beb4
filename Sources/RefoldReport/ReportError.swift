import RefoldCore

/// Why a report could not be written or read.
public enum ReportError: RefoldError, Sendable, Hashable {
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

  /// A report that cannot be written is the environment (4); an unreadable input is 2.
  public var exitStatus: ExitStatus {
    switch self {
    case .cannotWrite: return .environment
    case .cannotRead: return .invalidInput
    }
  }
}
