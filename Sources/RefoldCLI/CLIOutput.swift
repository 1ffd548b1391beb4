import Foundation
import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Where a command writes: standard output or error in the tool, a capture in tests.
public protocol CLIOutput: Sendable {
  /// Writes bytes as they are.
  func write(_ bytes: [UInt8])

  /// The width in columns of the terminal this output is, or nil when it is not a terminal
  /// (a file, a pipe, a capture).
  var terminalWidth: Int? { get }
}

extension CLIOutput {
  /// Not a terminal.
  public var terminalWidth: Int? { nil }

  /// Writes text as UTF-8.
  public func write(_ text: String) { write(Array(text.utf8)) }

  /// Writes text and a newline.
  public func line(_ text: String = "") { write(Array((text + "\n").utf8)) }
}

/// Output to a file descriptor (standard output or error).
public struct FileDescriptorOutput: CLIOutput {
  public let descriptor: Int32

  public init(descriptor: Int32) {
    self.descriptor = descriptor
  }

  public static let standardOutput = FileDescriptorOutput(descriptor: 1)
  public static let standardError = FileDescriptorOutput(descriptor: 2)

  /// The terminal's width when the descriptor is a terminal (80 when it cannot be read).
  public var terminalWidth: Int? {
    guard isatty(descriptor) == 1 else { return nil }
    var size = winsize()
    guard ioctl(descriptor, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return 80 }
    return Int(size.ws_col)
  }

  public func write(_ bytes: [UInt8]) {
    bytes.withUnsafeBytes { buffer in
      guard let base = buffer.baseAddress else { return }
      var offset = 0
      while offset < buffer.count {
        let written = Foundation.write(descriptor, base + offset, buffer.count - offset)
        if written < 0 {
          if errno == EINTR { continue }
          return
        }
        offset += written
      }
    }
  }
}

/// Output kept in memory, for tests and for callers that post-process a command's output.
///
/// A caller may wait for some output (``waitForText(_:)``): a listening command's address,
/// say, without polling.
public final class CapturedOutput: CLIOutput {
  private struct State {
    var bytes: [UInt8] = []
    var closed = false
    var waiters:
      [(matches: @Sendable (String) -> Bool, continuation: CheckedContinuation<Void, Never>)] = []
  }

  private let storage = Mutex(State())

  /// The width of the terminal this capture stands for, or nil for output that is not a
  /// terminal (the default).
  public let terminalWidth: Int?

  public init(terminalWidth: Int? = nil) {
    self.terminalWidth = terminalWidth
  }

  public func write(_ bytes: [UInt8]) {
    let ready = storage.withLock { state in
      state.bytes.append(contentsOf: bytes)
      let text = String(decoding: state.bytes, as: UTF8.self)
      let ready = state.waiters.filter { $0.matches(text) }.map(\.continuation)
      state.waiters.removeAll { $0.matches(text) }
      return ready
    }
    for continuation in ready { continuation.resume() }
  }

  /// Everything written so far.
  public var bytes: [UInt8] { storage.withLock { $0.bytes } }

  /// Everything written so far, as text.
  public var text: String { String(decoding: bytes, as: UTF8.self) }

  /// Marks the output finished: whoever waits for text gets what was written.
  public func close() {
    let waiting = storage.withLock { state in
      state.closed = true
      defer { state.waiters = [] }
      return state.waiters.map(\.continuation)
    }
    for continuation in waiting { continuation.resume() }
  }

  /// Waits until the text written so far satisfies `matches` or the output is closed, and
  /// returns the text.
  public func waitForText(_ matches: @escaping @Sendable (String) -> Bool) async -> String {
    await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
      let ready = storage.withLock { state in
        if state.closed || matches(String(decoding: state.bytes, as: UTF8.self)) { return true }
        state.waiters.append((matches, continuation))
        return false
      }
      if ready { continuation.resume() }
    }
    return text
  }
}
