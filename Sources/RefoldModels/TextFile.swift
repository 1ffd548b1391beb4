import Foundation

/// Reads a UTF-8 text file that a person wrote (a spec, a tools file), with the reason in
/// words when it cannot.
public enum TextFile {
  /// Why a file could not be read, as the rest of a sentence that names the file.
  public struct Unreadable: Error, Sendable, Hashable {
    public var reason: String
  }

  /// The file's text.
  ///
  /// - Throws: ``Unreadable``: "no such file", or "cannot read the file (…)".
  public static func read(_ path: String) throws(Unreadable) -> String {
    do {
      return try String(contentsOfFile: path, encoding: .utf8)
    } catch {
      let reason =
        FileManager.default.fileExists(atPath: path)
        ? "cannot read the file (not UTF-8 text, or no permission)" : "no such file"
      throw Unreadable(reason: reason)
    }
  }
}
