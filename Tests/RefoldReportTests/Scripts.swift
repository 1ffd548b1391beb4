import Foundation

/// Runs the repository's helper scripts (`scripts/report-*.py`) from tests.
enum Scripts {
  /// The package root, found from this file's path.
  static let root: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
  }()

  struct Output {
    var status: Int32
    var text: String
  }

  /// Runs `python3 scripts/<name> arguments…` and returns its exit status and combined output.
  static func python(_ name: String, _ arguments: [String]) throws -> Output {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", root + "/scripts/" + name] + arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return Output(status: process.terminationStatus, text: String(decoding: data, as: UTF8.self))
  }

  /// Validates results files with `scripts/report-validate-results.py`.
  ///
  /// A missing `python3` or `jsonschema` is a failure (exit 2), never a skip.
  static func validateResults(_ paths: [String]) throws -> Output {
    try python("report-validate-results.py", paths)
  }

  /// A fresh temporary directory.
  static func temporaryDirectory(_ label: String) throws -> String {
    let path = NSTemporaryDirectory() + "refold-report-\(label)-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
  }
}
