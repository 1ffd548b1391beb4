import Foundation

/// Paths inside this repository, for tests that read its fixtures, suites and scripts.
public enum Repository {
  /// The package root, found from this file's path (`Tests/RefoldTestSupport/…`).
  public static let root: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
  }()
}
