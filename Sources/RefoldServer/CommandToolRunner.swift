import Dispatch
import Foundation
import RefoldCore

/// Runs each sync intent as a command: parameters as JSON on standard input, the result as
/// JSON on standard output.
///
/// A command that exits non-zero fails the call with the last line of its standard error
/// (or its exit status); one that runs past its timeout is stopped and fails the call; one
/// whose standard output is not JSON fails the call. Empty output is the result `{}`. Each
/// failure becomes an `error` event and counts toward the error cap. The command also sees
/// `REFOLD_THREAD` and `REFOLD_INTENT` in its environment.
///
/// - Throws: from ``run(_:thread:events:)`` only when no command is configured for the intent
///   or it cannot be started (a misconfiguration, not a tool failure).
public struct CommandToolRunner: ToolRunner {
  /// Commands by intent name.
  public var commands: [String: ToolCommand]
  /// The clock command timeouts run on.
  public var clock: any Clock<Duration>

  public init(commands: [String: ToolCommand], clock: any Clock<Duration> = ContinuousClock()) {
    Self.ignoreBrokenPipes()
    self.commands = commands
    self.clock = clock
  }

  /// Ignores SIGPIPE for the process, once.
  ///
  /// A command that exits without reading its input closes the pipe; writing the parameters
  /// then raises SIGPIPE, whose default action ends the whole server. Ignored, the write
  /// fails with EPIPE instead, which the runner tolerates.
  private static let brokenPipesIgnored: Bool = {
    signal(SIGPIPE, SIG_IGN)
    return true
  }()

  static func ignoreBrokenPipes() { _ = brokenPipesIgnored }

  public func run(_ intent: Intent, thread: String, events: [Event]) async throws -> ToolOutcome {
    guard let command = commands[intent.name] else {
      throw ServerError.toolNotRunnable(
        intent: intent.name, reason: "no command is configured for it")
    }
    let input = Data((intent.parameters.canonicalString + "\n").utf8)
    let finished = try await Self.execute(
      command, input: input,
      environment: ["REFOLD_THREAD": thread, "REFOLD_INTENT": intent.name], intent: intent.name,
      clock: clock)
    if finished.timedOut {
      return .failure("\(intent.name) timed out after \(Self.seconds(command.timeout))")
    }
    let stderrLine = String(decoding: finished.stderr, as: UTF8.self)
      .split(whereSeparator: \.isNewline).last.map { String($0) }
    guard finished.status == 0 else {
      return .failure(stderrLine ?? "\(intent.name) exited with status \(finished.status)")
    }
    let text = String(decoding: finished.stdout, as: UTF8.self)
    if text.allSatisfy(\.isWhitespace) { return .success(.emptyObject) }
    do {
      return .success(try JSONParser.parse(text))
    } catch {
      let excerpt = text.count > 80 ? String(text.prefix(80)) + "…" : text
      return .failure("\(intent.name) printed something that is not JSON: \(excerpt)")
    }
  }

  static func seconds(_ value: Double) -> String {
    value == value.rounded() ? "\(Int(value)) s" : "\(value) s"
  }

  struct Finished: Sendable {
    var status: Int32
    var stdout: Data
    var stderr: Data
    var timedOut: Bool
  }

  /// Runs the command on a thread of its own (its reads block).
  ///
  /// Not on the cooperative pool, and not on dispatch's global queues either: on Linux those
  /// share their few workers with Swift's tasks, and two blocked reads stall every task of
  /// the server until dispatch notices and adds a worker, about a second later.
  static func execute(
    _ command: ToolCommand, input: Data, environment extra: [String: String], intent: String,
    clock: any Clock<Duration>
  ) async throws -> Finished {
    try await withCheckedThrowingContinuation { continuation in
      Thread.detachNewThread {
        do {
          continuation.resume(returning: try runBlocking(command, input, extra, intent, clock))
        } catch {
          continuation.resume(throwing: error)
        }
      }
    }
  }

  private static func runBlocking(
    _ command: ToolCommand, _ input: Data, _ extra: [String: String], _ intent: String,
    _ clock: any Clock<Duration>
  ) throws -> Finished {
    guard let program = command.arguments.first else {
      throw ServerError.toolNotRunnable(intent: intent, reason: "its command is empty")
    }
    let process = Process()
    var executable = program
    if !program.contains("/") {
      executable = "/usr/bin/env"
      process.arguments = command.arguments
    } else {
      process.arguments = Array(command.arguments.dropFirst())
    }
    if let directory = command.workingDirectory, !executable.hasPrefix("/") {
      executable = directory + "/" + executable
    }
    process.executableURL = URL(fileURLWithPath: executable)
    if let directory = command.workingDirectory {
      process.currentDirectoryURL = URL(fileURLWithPath: directory)
    }
    var environment = ProcessInfo.processInfo.environment
    for (name, value) in extra { environment[name] = value }
    process.environment = environment
    let stdin = Pipe()
    let stdout = Pipe()
    let stderr = Pipe()
    process.standardInput = stdin
    process.standardOutput = stdout
    process.standardError = stderr
    do {
      try process.run()
    } catch {
      throw ServerError.toolNotRunnable(
        intent: intent,
        reason: "cannot start \(command.arguments.joined(separator: " ")): "
          + "\(error.localizedDescription)")
    }
    let timedOut = TimeoutFlag()
    let timer = Task {
      do {
        try await clock.sleep(for: .seconds(command.timeout))
      } catch {
        return
      }
      timedOut.set()
      // SIGKILL, not `terminate()`'s SIGTERM: the command is started from a dispatch thread,
      // whose blocked signals it inherits, so a SIGTERM would wait until it ended by itself.
      kill(process.processIdentifier, SIGKILL)
    }
    let group = DispatchGroup()
    let errorBuffer = DataBox()
    group.enter()
    Thread.detachNewThread {
      errorBuffer.data = stderr.fileHandleForReading.readDataToEndOfFile()
      group.leave()
    }
    // A command that does not read its input must not fail the write.
    try? stdin.fileHandleForWriting.write(contentsOf: input)
    try? stdin.fileHandleForWriting.close()
    let output = stdout.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    process.waitUntilExit()
    timer.cancel()
    return Finished(
      status: process.terminationStatus, stdout: output, stderr: errorBuffer.data,
      timedOut: timedOut.isSet)
  }
}

/// A flag set from the timer's thread and read after the process ended.
private final class TimeoutFlag: @unchecked Sendable {
  // Guarded by `lock`; written by the timer, read by the runner after the process exits.
  private let lock = NSLock()
  private var value = false
  func set() { lock.withLock { value = true } }
  var isSet: Bool { lock.withLock { value } }
}

/// Standard error's bytes, written by one reader thread and read after `group.wait()`.
private final class DataBox: @unchecked Sendable {
  // Written once before `group.leave()`, read only after `group.wait()`: the group orders them.
  var data = Data()
}
