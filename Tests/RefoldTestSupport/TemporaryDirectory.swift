import Foundation

/// A fresh directory under the system's temporary directory, removed when released.
///
/// Shared by the test targets that work with real files (stores, the command line).
public final class TemporaryDirectory: Sendable {
  public let url: URL

  /// Creates `refold-<label>-<uuid>` under the temporary directory.
  public init(label: String = "tests") throws {
    url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "refold-\(label)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  }

  deinit { try? FileManager.default.removeItem(at: url) }

  /// The path of `name` inside the directory.
  public func path(_ name: String) -> String { url.appendingPathComponent(name).path }

  /// Writes `text` to `name` and returns its path.
  @discardableResult
  public func write(_ name: String, _ text: String) throws -> String {
    let path = path(name)
    try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    return path
  }
}
