import Foundation

/// Writes files so that readers see either the old file or the whole new one.
enum AtomicFile {
  /// Writes `data` to `directory/name` through a temporary file and a rename.
  ///
  /// Creates `directory` (with intermediate directories) when it does not exist.
  /// - Returns: the path written.
  @discardableResult
  static func write(_ data: Data, named name: String, in directory: String) throws -> String {
    let manager = FileManager.default
    do {
      try manager.createDirectory(atPath: directory, withIntermediateDirectories: true)
    } catch {
      throw ReportError.cannotWrite(path: directory, reason: error.localizedDescription)
    }
    let path = (directory as NSString).appendingPathComponent(name)
    let temporary = (directory as NSString).appendingPathComponent(
      ".\(name).\(ProcessInfo.processInfo.processIdentifier).\(UInt32.random(in: 0...UInt32.max)).tmp"
    )
    guard manager.createFile(atPath: temporary, contents: data) else {
      throw ReportError.cannotWrite(path: temporary, reason: "the file could not be created")
    }
    if rename(temporary, path) != 0 {
      let reason = String(cString: strerror(errno))
      try? manager.removeItem(atPath: temporary)
      throw ReportError.cannotWrite(path: path, reason: reason)
    }
    return path
  }

  /// Writes UTF-8 `text`; see ``write(_:named:in:)``.
  @discardableResult
  static func write(_ text: String, named name: String, in directory: String) throws -> String {
    try write(Data(text.utf8), named: name, in: directory)
  }
}
