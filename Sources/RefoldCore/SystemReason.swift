import Foundation

/// What a system or library error says, in words a user reads: never a Swift type dump.
///
/// A ``RefoldError`` gives its sentence; a Foundation file error its localized description;
/// a decoding error which field is wrong.
///
/// ```swift
/// throw CLIError("cannot create \(path): \(SystemReason.of(error))")
/// ```
public enum SystemReason {
  /// The sentence for `error`.
  public static func of(_ error: any Error) -> String {
    if let error = error as? any RefoldError { return error.description }
    if let error = error as? DecodingError { return of(error) }
    if let error = error as? CocoaError { return of(error) }
    if let error = error as? POSIXError { return String(cString: strerror(error.code.rawValue)) }
    let bridged = error as NSError
    if bridged.domain == NSPOSIXErrorDomain {
      return String(cString: strerror(Int32(bridged.code)))
    }
    if let error = error as? any CustomStringConvertible, !(error is NSError) {
      return error.description
    }
    return (error as NSError).localizedDescription
  }

  /// A file error: the system's reason underneath it, else what the code says.
  static func of(_ error: CocoaError) -> String {
    if let underlying = error.userInfo[NSUnderlyingErrorKey] as? NSError,
      underlying.domain == NSPOSIXErrorDomain
    {
      return String(cString: strerror(Int32(underlying.code)))
    }
    switch error.code {
    case .fileNoSuchFile, .fileReadNoSuchFile: return "No such file or directory"
    case .fileReadNoPermission, .fileWriteNoPermission: return "Permission denied"
    case .fileWriteOutOfSpace: return "No space left on device"
    case .fileWriteFileExists: return "File exists"
    case .fileWriteVolumeReadOnly: return "Read-only file system"
    default: return "the file operation failed (error \(error.code.rawValue))"
    }
  }

  /// Which field of a decoded document is missing or of the wrong kind.
  public static func of(_ error: DecodingError) -> String {
    func field(_ path: [any CodingKey]) -> String {
      path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        .replacingOccurrences(of: ".[", with: "[")
    }
    switch error {
    case .keyNotFound(let key, let context):
      return "it has no \"\(field(context.codingPath + [key]))\" field"
    case .typeMismatch(_, let context), .valueNotFound(_, let context):
      return context.codingPath.isEmpty
        ? "it is not a JSON object" : "\"\(field(context.codingPath))\" has the wrong kind of value"
    case .dataCorrupted(let context):
      return context.codingPath.isEmpty
        ? "it is not valid JSON" : "\"\(field(context.codingPath))\" has an invalid value"
    @unknown default:
      return "it does not decode"
    }
  }
}
