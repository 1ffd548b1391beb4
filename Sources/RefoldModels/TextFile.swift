import Foundation

/// Reads a UTF-8 text file that a person wrote (a spec, a suite, a tools file), with the
/// reason in words when it cannot: a missing file, invalid UTF-8 with its byte offset and
/// line, or what the system said.
public enum TextFile {
  /// Why a file could not be read, as the rest of a sentence that names the file.
  public struct Unreadable: Error, Sendable, Hashable {
    public var reason: String
    /// The 1-based line of the problem, when it has one (invalid UTF-8).
    public var line: Int?

    public init(reason: String, line: Int? = nil) {
      self.reason = reason
      self.line = line
    }
  }

  /// The file's text.
  ///
  /// - Throws: ``Unreadable``: "no such file", "invalid UTF-8 at byte offset 41" (with the
  ///   line), or "cannot read the file (…)".
  public static func read(_ path: String) throws(Unreadable) -> String {
    let data: Data
    do {
      data = try Data(contentsOf: URL(fileURLWithPath: path))
    } catch {
      var isDirectory: ObjCBool = false
      guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
        throw Unreadable(reason: "no such file")
      }
      if isDirectory.boolValue { throw Unreadable(reason: "a folder, not a file") }
      throw Unreadable(reason: "cannot read the file (no permission, or an I/O error)")
    }
    if let text = String(validating: data, as: UTF8.self) { return text }
    let (offset, line) = firstInvalidUTF8(data)
    throw Unreadable(reason: "invalid UTF-8 at byte offset \(offset)", line: line)
  }

  /// The byte offset (0-based) and line (1-based) of the first byte that is not UTF-8.
  static func firstInvalidUTF8(_ data: Data) -> (offset: Int, line: Int) {
    let bytes = [UInt8](data)
    var offset = 0
    var line = 1
    while offset < bytes.count {
      let byte = bytes[offset]
      let length: Int
      switch byte {
      case 0x00...0x7F: length = 1
      case 0xC2...0xDF: length = 2
      case 0xE0...0xEF: length = 3
      case 0xF0...0xF4: length = 4
      default: return (offset, line)
      }
      guard offset + length <= bytes.count,
        String(validating: bytes[offset..<offset + length], as: UTF8.self) != nil
      else { return (offset, line) }
      if byte == 0x0A { line += 1 }
      offset += length
    }
    return (offset, line)
  }
}
