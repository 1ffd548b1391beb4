import Foundation

/// Paths inside this package, found from this file (tests may run in any directory).
enum Paths {
  static let package: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
  }()

  /// The golden-thread suite.
  static var suite: String { package + "/evals/deploy" }

  /// The agent spec.
  static var spec: String { suite + "/agent.yaml" }
}
