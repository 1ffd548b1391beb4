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
    var capacity = chunkSize * 2
    var buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
    defer { buffer.deallocate() }
    var filled = 0
    var number = 0
    var finished = false
    while !finished {
      if capacity - filled < chunkSize {
        // The pending partial line is longer than the free space: grow.
        let larger = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity * 2)
        larger.update(from: buffer, count: filled)
        buffer.deallocate()
        buffer = larger
        capacity *= 2
      }
      let count = read(descriptor, buffer + filled, chunkSize)
      if count < 0 {
        if errno == EINTR { continue }
        throw StoreError.file(path: path, reason: String(cString: strerror(errno)))
      }
      if count == 0 { finished = true }
      let end = filled + count
      var start = 0
      var scan = filled
      while scan < end {
        guard let found = memchr(buffer + scan, 0x0A, end - scan) else { break }
        let newline = buffer.distance(to: found.assumingMemoryBound(to: UInt8.self))
        number += 1
        guard newline - start <= maxLineBytes + 1 else {
          throw StoreError.lineTooLong(file: path, line: number, limit: maxLineBytes)
        }
        try emit(buffer + start, newline - start, number, body)
        start = newline + 1
        scan = start
      }
      if finished, start < end {
        number += 1
        try emit(buffer + start, end - start, number, body)
        start = end
      }
      filled = end - start
      // A partial line already over the limit is refused before the buffer grows for it.
      guard filled <= maxLineBytes + 1 else {
        throw StoreError.lineTooLong(file: path, line: number + 1, limit: maxLineBytes)
      }
      if start > 0, filled > 0 { (buffer).update(from: buffer + start, count: filled) }
    }
  }

  private func emit(
    _ pointer: UnsafeMutablePointer<UInt8>, _ length: Int, _ number: Int,
    _ body: (Int, UnsafeBufferPointer<UInt8>) throws -> Void
  ) throws {
    var length = length
    if length > 0, pointer[length - 1] == 0x0D { length -= 1 }
    var blank = true
    for index in 0..<length {
      let byte = pointer[index]
      if byte != 0x20 && byte != 0x09 && byte != 0x0D {
        blank = false
        break
      }
    }
    if blank { return }
    try body(number, UnsafeBufferPointer(start: pointer, count: length))
  }
}
