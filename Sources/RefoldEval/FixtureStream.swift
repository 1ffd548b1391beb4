import Foundation
import RefoldCore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Reads golden threads from event JSONL files one thread at a time, never holding more than
/// the thread being read.
///
/// Files are read in order in chunks; a thread ends where the next thread's first line is (or
/// at the end of the last file), so a thread's lines must come together: in one file one
/// after another, or running on from the end of one file into the next. A thread whose lines
/// resume after another thread started is an error naming the line, as is a line over
/// ``InputLimits/maxLineBytes``. A line without `seq` gets its thread's next one; a line whose
/// `seq` does not continue its thread is an error.
///
/// ```swift
/// try FixtureStream(files: suite.fixtureFiles).forEachThread { thread in
///   print(thread.id, thread.events.count)
/// }
/// ```
public struct FixtureStream: Sendable {
  /// One golden thread as read: its events in `seq` order and where each came from.
  public struct Thread: Sendable {
    public var events: [Event]
    /// The file and 1-based line of every event.
    public var lines: [(file: String, line: Int)]
    /// Bytes of the fixture files read when the thread ended (of ``FixtureStream/totalBytes``).
    public var bytesRead: Int

    /// The thread's id.
    public var id: String { events.first?.thread ?? "" }
  }

  public let files: [String]
  /// Bytes read per `read` call.
  public var chunkSize: Int
  /// The longest line accepted.
  public var maxLineBytes: Int
  /// Whether each event keeps its `data` as the canonical JSON its line wrote it in, for the
  /// writers of a streamed evaluation to copy (``Event/encodedData``).
  package var keepsEncodedData = false

  public init(
    files: [String], chunkSize: Int = 1 << 16,
    maxLineBytes: Int = InputLimits.current.maxLineBytes
  ) {
    self.files = files
    self.chunkSize = max(16, chunkSize)
    self.maxLineBytes = max(1, maxLineBytes)
  }

  /// The size of all the files, in bytes, for progress (a file that cannot be read counts 0).
  public var totalBytes: Int {
    files.reduce(0) { total, file in
      var status = stat()
      return total + (stat(file, &status) == 0 ? Int(status.st_size) : 0)
    }
  }

  /// Calls `body` with each thread, in order of first appearance, as soon as it has ended.
  ///
  /// - Throws: ``SuiteError/unreadable(file:message:)`` for a file that cannot be read,
  ///   ``SuiteError/invalidFixture(file:line:message:)`` for the first bad line (unparsable,
  ///   over the line limit, a `seq` that does not continue, a thread resumed after another),
  ///   or what `body` throws.
  public func forEachThread(_ body: (Thread) throws -> Void) throws {
    var finished = Set<String>()
    var current: Thread?
    var bytesRead = 0
    for file in files {
      try forEachLine(of: file, bytesRead: &bytesRead) { number, bytes, read in
        let parsed: EventLine
        var encoded: EncodedData?
        do throws(EventLine.Invalid) {
          guard let line = try Self.parseLine(bytes, keepingData: keepsEncodedData) else { return }
          (parsed, encoded) = line
        } catch {
          throw SuiteError.invalidFixture(file: file, line: number, message: error.reason)
        }
        if let open = current, open.id != parsed.thread {
          finished.insert(open.id)
          current = nil
          try body(open)
        }
        if current == nil {
          guard !finished.contains(parsed.thread) else {
            throw SuiteError.invalidFixture(
              file: file, line: number,
              message:
                "thread \"\(parsed.thread)\" resumes here after other threads; keep each "
                + "thread's lines together")
          }
          current = Thread(events: [], lines: [], bytesRead: read)
        }
        let next = current?.events.count ?? 0
        if let seq = parsed.seq, seq != next {
          throw SuiteError.invalidFixture(
            file: file, line: number,
            message: "thread \"\(parsed.thread)\" expects seq \(next) here, found \(seq)")
        }
        var event = parsed.event(seq: next)
        event.encodedData = encoded
        current?.events.append(event)
        current?.lines.append((file, number))
        current?.bytesRead = read
      }
    }
    if var open = current {
      open.bytesRead = bytesRead
      try body(open)
    }
  }

  /// Calls `body` with the 1-based number, the bytes and the bytes read so far of each line
  /// of `file` (the last one without a newline included).
  private func forEachLine(
    of file: String, bytesRead: inout Int,
    _ body: (_ number: Int, _ bytes: UnsafeBufferPointer<UInt8>, _ read: Int) throws -> Void
  ) throws {
    let descriptor = open(file, O_RDONLY)
    guard descriptor >= 0 else {
      throw SuiteError.unreadable(file: file, message: "cannot read the fixture file")
    }
    defer { close(descriptor) }
    let start = bytesRead
    do {
      try ChunkedLines(chunkSize: chunkSize, maxLineBytes: maxLineBytes).forEachLine(
        of: descriptor
      ) { number, bytes, end in
        bytesRead = start + end
        try body(number, bytes, start + end)
      }
    } catch ChunkedLines.Failure.unreadable(let code) {
      throw SuiteError.unreadable(
        file: file, message: "cannot read the fixture file: \(String(cString: strerror(code)))")
    } catch ChunkedLines.Failure.lineTooLong(let line) {
      throw SuiteError.invalidFixture(
        file: file, line: line, message: InputLimits.current.lineTooLong)
    }
  }

  /// The event on a line, nil for a blank line; with `keepingData`, also its `data` as the
  /// canonical JSON the line wrote it in, when it did.
  ///
  /// Spaces, tabs and a carriage return around the line are skipped on its bytes; a line that
  /// starts or ends with other bytes than ASCII is trimmed of Unicode spaces as text.
  static func parseLine(_ bytes: UnsafeBufferPointer<UInt8>, keepingData: Bool)
    throws(EventLine.Invalid) -> (line: EventLine, data: EncodedData?)?
  {
    var first = 0
    var last = bytes.count
    while first < last, bytes[first] == 0x20 || bytes[first] == 0x09 || bytes[first] == 0x0D {
      first += 1
    }
    while last > first,
      bytes[last - 1] == 0x20 || bytes[last - 1] == 0x09 || bytes[last - 1] == 0x0D
    {
      last -= 1
    }
    if first == last { return nil }
    if bytes[first] >= 0x80 || bytes[last - 1] >= 0x80 {
      let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[first..<last]), as: UTF8.self)
      let trimmed = text.trimmingCharacters(in: .whitespaces)
      return trimmed.isEmpty ? nil : (try EventLine.parse(trimmed), nil)
    }
    let line = UnsafeBufferPointer(rebasing: bytes[first..<last])
    guard keepingData else { return (try EventLine.parse(bytes: line), nil) }
    var data: EncodedData?
    let parsed = try EventLine.parse(bytes: line, encodedData: &data)
    return (parsed, data)
  }
}
