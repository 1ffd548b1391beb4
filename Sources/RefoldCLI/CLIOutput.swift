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
}

extension CLIOutput {
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
public final class CapturedOutput: CLIOutput {
  private let storage = Mutex<[UInt8]>([])

  public init() {}

  public func write(_ bytes: [UInt8]) {
    storage.withLock { $0.append(contentsOf: bytes) }
  }

  /// Everything written so far.
  public var bytes: [UInt8] { storage.withLock { $0 } }

  /// Everything written so far, as text.
  public var text: String { String(decoding: bytes, as: UTF8.self) }
}
