import Foundation
import RefoldCore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Reads a JSONL file line by line in fixed-size chunks, never holding the whole file.
///
/// Lines end at `\n`; a trailing `\r` is dropped; a last line without a newline counts; lines
/// of only whitespace are skipped (their numbers still count). Memory is one chunk plus the
/// longest line, and a line longer than ``maxLineBytes`` is refused as soon as that many of
/// its bytes are read. The path `-` reads standard input.
///
/// ```swift
/// try JSONLReader(path: "events.jsonl").forEachLine { number, bytes in
///   let line = try EventLine.parse(bytes: bytes)
/// }
/// ```
public struct JSONLReader: Sendable {
  /// The file path, as used in messages.
  public let path: String
  /// Bytes read per `read` call.
  public var chunkSize: Int
  /// The longest line accepted (``InputLimits/maxLineBytes`` unless given).
  public var maxLineBytes: Int

  public init(
    path: String, chunkSize: Int = 1 << 16,
    maxLineBytes: Int = InputLimits.current.maxLineBytes
  ) {
    self.path = path
    self.chunkSize = max(16, chunkSize)
    self.maxLineBytes = max(1, maxLineBytes)
  }

  /// Checks that the file opens for reading, without reading it: what a command asks of
  /// every file before it opens or creates a store.
  ///
  /// - Throws: ``StoreError/file(path:reason:)`` with the system's reason.
  public func checkReadable() throws {
    guard path != "-" else { return }
    let descriptor = open(path, O_RDONLY)
    guard descriptor >= 0 else {
      throw StoreError.file(path: path, reason: String(cString: strerror(errno)))
    }
    close(descriptor)
  }

  /// Calls `body` with the 1-based line number and the bytes of each non-blank line.
  ///
  /// The buffer is only valid during the call.
  /// - Throws: ``StoreError/file(path:reason:)`` when the file cannot be read,
  ///   ``StoreError/lineTooLong(file:line:limit:)`` for a line over the limit, or whatever
  ///   `body` throws.
  public func forEachLine(
    _ body: (_ number: Int, _ bytes: UnsafeBufferPointer<UInt8>) throws -> Void
  ) throws {
    let descriptor: Int32 = path == "-" ? 0 : open(path, O_RDONLY)
    guard descriptor >= 0 else {
      throw StoreError.file(path: path, reason: String(cString: strerror(errno)))
    }
    defer { if descriptor != 0 { close(descriptor) } }
    do {
      try ChunkedLines(chunkSize: chunkSize, maxLineBytes: maxLineBytes).forEachLine(
        of: descriptor
      ) { number, bytes, _ in
        try emit(bytes, number, body)
      }
    } catch ChunkedLines.Failure.unreadable(let code) {
      throw StoreError.file(path: path, reason: String(cString: strerror(code)))
    } catch ChunkedLines.Failure.lineTooLong(let line) {
      throw StoreError.lineTooLong(file: path, line: line, limit: maxLineBytes)
    }
  }

  private func emit(
    _ bytes: UnsafeBufferPointer<UInt8>, _ number: Int,
    _ body: (Int, UnsafeBufferPointer<UInt8>) throws -> Void
  ) throws {
    var length = bytes.count
    if length > 0, bytes[length - 1] == 0x0D { length -= 1 }
    var blank = true
    for index in 0..<length {
      let byte = bytes[index]
      if byte != 0x20 && byte != 0x09 && byte != 0x0D {
        blank = false
        break
      }
    }
    if blank { return }
    try body(number, UnsafeBufferPointer(rebasing: bytes[0..<length]))
  }
}
