import Foundation

/// Reads an open file line by line in fixed-size chunks, never holding the whole file: the
/// one line reader under every JSONL reader (imports, fixtures).
///
/// Lines end at `\n` (kept out of the bytes handed on); a last line without a newline
/// counts. Memory is one chunk plus the longest line, and a line longer than `maxLineBytes`
/// (a trailing `\r` allowed beyond it) is refused as soon as that many of its bytes are read.
///
/// ```swift
/// try ChunkedLines(chunkSize: 1 << 16, maxLineBytes: limits.maxLineBytes)
///   .forEachLine(of: descriptor) { number, line, end in … }
/// ```
public struct ChunkedLines: Sendable {
  /// Why a file could not be read line by line.
  public enum Failure: Error, Sendable, Hashable {
    /// `read` failed with this `errno`.
    case unreadable(errno: Int32)
    /// The line with this 1-based number is over the limit.
    case lineTooLong(line: Int)
  }

  /// Bytes read per `read` call.
  public var chunkSize: Int
  /// The longest line accepted.
  public var maxLineBytes: Int

  public init(chunkSize: Int, maxLineBytes: Int) {
    self.chunkSize = max(16, chunkSize)
    self.maxLineBytes = max(1, maxLineBytes)
  }

  /// Calls `body` with the 1-based number, the bytes and the end (the bytes of the file read
  /// through the line and its newline) of each line of the file open at `descriptor`.
  ///
  /// The buffer is only valid during the call.
  /// - Throws: ``Failure`` when reading fails or a line is over the limit, or what `body`
  ///   throws.
  public func forEachLine(
    of descriptor: Int32,
    _ body: (_ number: Int, _ bytes: UnsafeBufferPointer<UInt8>, _ end: Int) throws -> Void
  ) throws {
    var capacity = chunkSize * 2
    var buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
    defer { buffer.deallocate() }
    var filled = 0
    var number = 0
    var consumed = 0
    var ended = false
    while !ended {
      if capacity - filled < chunkSize {
        // The pending partial line fills the buffer: grow it (bounded by the line limit).
        let larger = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity * 2)
        larger.update(from: buffer, count: filled)
        buffer.deallocate()
        buffer = larger
        capacity *= 2
      }
      let count = read(descriptor, buffer + filled, chunkSize)
      if count < 0 {
        if errno == EINTR { continue }
        throw Failure.unreadable(errno: errno)
      }
      if count == 0 { ended = true }
      let end = filled + count
      // The file's bytes before the buffer's first.
      let before = consumed - filled
      consumed += count
      var start = 0
      var scan = filled
      while scan < end {
        guard let found = memchr(buffer + scan, 0x0A, end - scan) else { break }
        let newline = buffer.distance(to: found.assumingMemoryBound(to: UInt8.self))
        number += 1
        guard newline - start <= maxLineBytes + 1 else { throw Failure.lineTooLong(line: number) }
        try body(
          number, UnsafeBufferPointer(start: buffer + start, count: newline - start),
          before + newline + 1)
        start = newline + 1
        scan = start
      }
      if ended, start < end {
        number += 1
        try body(
          number, UnsafeBufferPointer(start: buffer + start, count: end - start), before + end)
        start = end
      }
      filled = end - start
      // A partial line already over the limit is refused before the buffer grows for it.
      guard filled <= maxLineBytes + 1 else { throw Failure.lineTooLong(line: number + 1) }
      if start > 0, filled > 0 { buffer.update(from: buffer + start, count: filled) }
    }
  }
}
