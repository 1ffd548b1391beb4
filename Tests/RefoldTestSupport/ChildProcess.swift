import Foundation

/// A program run to its end by a test, awaited without holding a thread.
///
/// A test that runs an agent or an SDK script against a server in its own process (a
/// recording proxy, a model endpoint) must not block a thread while it waits: the server
/// answers on the same cooperative pool. Both pipes are drained while the program runs, so
/// a program that prints more than a pipe holds does not stall.
public struct ChildProcess: Sendable {
  /// The program's exit status.
  public let status: Int32
  /// What the program printed on standard output.
  public let stdout: String
  /// What the program printed on standard error.
  public let stderr: String

  /// Runs `executable` with `arguments` and `environment` (nil: this process's) until it
  /// exits.
  public static func run(
    _ executable: String, _ arguments: [String], environment: [String: String]? = nil
  ) async throws -> ChildProcess {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let environment { process.environment = environment }
    let output = Pipe()
    let errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    let finished = AsyncStream<Void> { continuation in
      process.terminationHandler = { _ in continuation.finish() }
    }
    try process.run()
    async let printed = drain(output)
    async let complained = drain(errors)
    for await _ in finished {}
    return ChildProcess(
      status: process.terminationStatus,
      stdout: String(decoding: await printed, as: UTF8.self),
      stderr: String(decoding: await complained, as: UTF8.self))
  }

  /// Reads a pipe to its end on a dispatch queue, not on the cooperative pool, whose few
  /// threads the servers under test need.
  private static func drain(_ pipe: Pipe) async -> Data {
    await withCheckedContinuation { continuation in
      DispatchQueue.global().async {
        continuation.resume(returning: pipe.fileHandleForReading.readDataToEndOfFile())
      }
    }
  }
}
