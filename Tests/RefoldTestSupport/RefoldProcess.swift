import Foundation

/// The built `refold` binary run as a child process, for tests where two processes meet
/// (a store created by two at once, a writer waiting for another).
public struct RefoldProcess: Sendable {
  /// How a child process ended.
  public struct Outcome: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
  }

  /// The debug build's binary, which `swift build` and `swift test` produce.
  public static let executable = Repository.root + "/.build/debug/refold"

  /// A started child: wait for it with ``wait()``.
  public final class Running: @unchecked Sendable {
    // Safe: `process` and the pipes are only touched by `wait()`, once.
    private let process: Process
    private let output: Pipe
    private let errors: Pipe

    init(process: Process, output: Pipe, errors: Pipe) {
      self.process = process
      self.output = output
      self.errors = errors
    }

    /// Waits for the child to exit and returns what it wrote.
    public func wait() -> Outcome {
      let stdout = output.fileHandleForReading.readDataToEndOfFile()
      let stderr = errors.fileHandleForReading.readDataToEndOfFile()
      process.waitUntilExit()
      return Outcome(
        status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
        stderr: String(decoding: stderr, as: UTF8.self))
    }
  }

  /// Starts `refold` with `arguments` (through `launcher`, such as `prlimit`, when given).
  public static func start(
    _ arguments: [String], environment: [String: String] = [:], launcher: [String] = []
  ) throws -> Running {
    let process = Process()
    if launcher.isEmpty {
      process.executableURL = URL(fileURLWithPath: executable)
      process.arguments = arguments
    } else {
      process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
      process.arguments = launcher + [executable] + arguments
    }
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    let output = Pipe()
    let errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    return Running(process: process, output: output, errors: errors)
  }

  /// Runs `refold` with `arguments` to the end.
  public static func run(
    _ arguments: [String], environment: [String: String] = [:], launcher: [String] = []
  ) throws -> Outcome {
    try start(arguments, environment: environment, launcher: launcher).wait()
  }
}
