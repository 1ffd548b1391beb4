import Foundation
import Testing

@testable import RefoldCLI

/// The commit a run records: what `git rev-parse HEAD` says in the working directory.
@Suite struct RunLocatorTests {
  /// `git rev-parse HEAD` run by a shell, or nil outside a repository.
  func gitSays() throws -> String? {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = ["-c", "git rev-parse HEAD 2>/dev/null"]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { return nil }
    return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
  }

  @Test func theCommitIsGitsAnswerAndEveryCallAgrees() throws {
    let expected = try gitSays()
    // One after another: each call waits for its own process to end.
    let answers = Array(repeating: "", count: 8).map { _ in RunLocator.gitCommit() }
    #expect(answers.allSatisfy { $0 == expected })
    if let expected { #expect(expected.count == 40) }
  }
}
