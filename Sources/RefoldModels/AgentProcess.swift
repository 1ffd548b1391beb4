import Foundation
import RefoldCore
import Synchronization

/// One running command agent: requests go to its stdin one line each, answers come back from
/// its stdout one line each, and its stderr is kept.
///
/// Unchecked: the process and the stdin handle are only started, written and stopped by the
/// one request in flight (the pool hands a process to one slot at a time); the rest is behind
/// the mutex.
final class AgentProcess: @unchecked Sendable {
  private struct State {
    /// Complete answer lines; nil stands for a line longer than the limit, whose bytes were
    /// dropped as they came.
    var lines: [String?] = []
    var partial: [UInt8] = []
    /// The line being read is already longer than the limit.
    var overlong = false
    var ended = false
    var waiter: CheckedContinuation<String?, any Error>?
    var stderr: [UInt8] = []
    var stderrEnded = false
    /// The current request's time ran out before its waiter was registered.
    var expired = false
  }

  /// What the reading threads share with the requests; the threads hold only this, so that
  /// a process nobody uses any more is released, and stopped.
  private final class Shared: Sendable {
    let state = Mutex(State())
  }

  private let process: Process
  private let input: FileHandle
  private let shared = Shared()
  /// The longest answer line kept (``InputLimits/maxLineBytes`` when the process started).
  private let limits: InputLimits
  /// The model endpoint's slot this process's model calls go to.
  let slot: AgentModelSlot?

  /// Starts `command` with `environment` in `directory`.
  ///
  /// - Throws: ``ExternalAgentError`` when the program cannot be started.
  init(
    command: [String], environment: [String: String], directory: String?,
    slot: AgentModelSlot? = nil
  ) throws {
    self.slot = slot
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = command
    process.environment = environment
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    let stdin = Pipe()
    let stdout = Pipe()
    let stderr = Pipe()
    process.standardInput = stdin
    process.standardOutput = stdout
    process.standardError = stderr
    do {
      try process.run()
    } catch {
      throw ExternalAgentError(
        "cannot start the agent \(command.joined(separator: " ")): \(SystemReason.of(error))")
    }
    self.process = process
    self.input = stdin.fileHandleForWriting
    let output = stdout.fileHandleForReading
    let errors = stderr.fileHandleForReading
    let shared = shared
    let limits = InputLimits.current
    self.limits = limits
    Thread.detachNewThread {
      Self.readOutput(output, into: shared, maxLineBytes: limits.maxLineBytes)
    }
    Thread.detachNewThread { Self.readErrors(errors, into: shared) }
  }

  private static func readOutput(_ handle: FileHandle, into shared: Shared, maxLineBytes: Int) {
    while true {
      let data = handle.availableData
      var resumed: (CheckedContinuation<String?, any Error>, String??)?
      shared.state.withLock { state in
        if data.isEmpty {
          state.ended = true
        } else {
          for byte in data {
            if byte == 10 {
              state.lines.append(
                state.overlong ? nil : String(decoding: state.partial, as: UTF8.self))
              state.partial.removeAll(keepingCapacity: true)
              state.overlong = false
            } else if !state.overlong {
              state.partial.append(byte)
              if state.partial.count > maxLineBytes {
                state.overlong = true
                state.partial = []
              }
            }
          }
        }
        if let waiter = state.waiter {
          if !state.lines.isEmpty {
            resumed = (waiter, .some(state.lines.removeFirst()))
            state.waiter = nil
          } else if state.ended {
            resumed = (waiter, .none)
            state.waiter = nil
          }
        }
      }
      if let (waiter, line) = resumed {
        switch line {
        case .some(.some(let text)): waiter.resume(returning: text)
        case .some(.none): waiter.resume(throwing: tooLong(maxLineBytes))
        case .none: waiter.resume(returning: nil)
        }
      }
      if data.isEmpty { return }
    }
  }

  private static func readErrors(_ handle: FileHandle, into shared: Shared) {
    while true {
      let data = handle.availableData
      if data.isEmpty {
        shared.state.withLock { $0.stderrEnded = true }
        return
      }
      shared.state.withLock { state in
        state.stderr.append(contentsOf: data)
        if state.stderr.count > 65_536 { state.stderr.removeFirst(state.stderr.count - 65_536) }
      }
    }
  }

  /// What the agent wrote to stderr since the last call, and clears it.
  func takeErrors() -> String {
    shared.state.withLock { state in
      defer { state.stderr.removeAll() }
      return String(decoding: state.stderr, as: UTF8.self)
    }
  }

  /// Whether the process is still running and its stdout open.
  var isUsable: Bool { process.isRunning && !shared.state.withLock { $0.ended } }

  /// Sends one request line and waits at most `timeout` seconds (slept by `sleep`) for one
  /// answer line.
  ///
  /// - Returns: the line, or nil when the agent closed its stdin or stdout (it exited).
  /// - Throws: ``ExternalAgentError`` when no line came in time.
  func ask(
    _ line: String, timeout: Double, sleep: @escaping @Sendable (Double) async throws -> Void
  ) async throws -> String? {
    shared.state.withLock { $0.expired = false }
    do {
      try input.write(contentsOf: Data((line + "\n").utf8))
    } catch {
      return nil
    }
    let late = ExternalAgentError("the agent gave no answer within \(Self.seconds(timeout))")
    let timer = Task { [self] in
      try await sleep(timeout)
      let waiter = shared.state.withLock { state in
        defer { state.waiter = nil }
        if state.waiter == nil { state.expired = true }
        return state.waiter
      }
      waiter?.resume(throwing: late)
    }
    defer { timer.cancel() }
    return try await withCheckedThrowingContinuation { continuation in
      let maxLineBytes = limits.maxLineBytes
      let ready: Result<String?, ExternalAgentError>? = shared.state.withLock { state in
        if !state.lines.isEmpty {
          guard let line = state.lines.removeFirst() else {
            return .failure(Self.tooLong(maxLineBytes))
          }
          return .success(line)
        }
        if state.ended { return .success(nil) }
        if state.expired { return .failure(late) }
        state.waiter = continuation
        return nil
      }
      if let ready { continuation.resume(with: ready.mapError { $0 as any Error }) }
    }
  }

  /// Waits up to a second for the process to end and its stderr to be read (after its
  /// stdout closed), so that the error can say how it ended and what it last wrote.
  func settle() async {
    for _ in 0..<50 {
      if !process.isRunning && shared.state.withLock({ $0.stderrEnded }) { return }
      try? await Task.sleep(for: .milliseconds(20))
    }
  }

  /// Stops the process (a hung or broken agent): closes its stdin and kills it.
  ///
  /// SIGKILL, not SIGTERM: a child inherits its parent's blocked signals, and a hung agent
  /// must not outlive the case it failed.
  func stop() {
    try? input.close()
    if process.isRunning { kill(process.processIdentifier, SIGKILL) }
  }

  /// How the process ended, once it has: `exit status 3`, `signal 9`.
  var ending: String {
    guard !process.isRunning else { return "still running" }
    return process.terminationReason == .uncaughtSignal
      ? "signal \(process.terminationStatus)" : "exit status \(process.terminationStatus)"
  }

  /// The error for an answer line longer than `maxLineBytes`.
  private static func tooLong(_ maxLineBytes: Int) -> ExternalAgentError {
    ExternalAgentError(
      "the agent printed a line longer than the limit of "
        + "\(InputLimits.describe(maxLineBytes)) (REFOLD_MAX_LINE_BYTES raises it)")
  }

  private static func seconds(_ value: Double) -> String {
    value == value.rounded() ? "\(Int(value)) s" : "\(value) s"
  }

  /// A process nobody asks any more is told so by the end of its stdin, and exits.
  deinit { try? input.close() }
}
