import Foundation
import RefoldCore

/// Reads golden threads from event JSONL files.
public enum FixtureLoader {
  /// The threads in `files`, each in `seq` order, in order of first appearance.
  ///
  /// A file may hold several threads; a line without `seq` gets its thread's next one.
  /// - Throws: ``SuiteError/invalidFixture(file:line:message:)`` for the first bad line,
  ///   ``SuiteError/unreadable(file:message:)`` for a file that cannot be read.
  public static func load(_ files: [String]) throws(SuiteError) -> [[Event]] {
    try loadWithLines(files).threads
  }

  /// The threads in `files`, as ``load(_:)`` reads them, with the file and 1-based line
  /// of every event.
  public static func loadWithLines(_ files: [String]) throws(SuiteError)
    -> (threads: [[Event]], lines: [[(file: String, line: Int)]])
  {
    // Threads by position of first appearance; a thread's lines usually come together, so
    // the last thread's position is kept and its name compared before any hash lookup.
    var positions: [String: Int] = [:]
    var threads: [[Event]] = []
    var lines: [[(file: String, line: Int)]] = []
    var last: (thread: String, position: Int)?
    for file in files {
      var text: String
      do {
        text = try String(contentsOfFile: file, encoding: .utf8)
      } catch {
        throw .unreadable(file: file, message: "cannot read the fixture file")
      }
      let result = text.withUTF8 { bytes in
        Result { () throws(SuiteError) in
          var lineNumber = 0
          var lineStart = 0
          while lineStart <= bytes.count {
            var lineEnd = lineStart
            while lineEnd < bytes.count, bytes[lineEnd] != 0x0A { lineEnd += 1 }
            lineNumber += 1
            defer { lineStart = lineEnd + 1 }
            let parsed: EventLine
            do throws(EventLine.Invalid) {
              guard let line = try parseLine(bytes, from: lineStart, to: lineEnd) else { continue }
              parsed = line
            } catch {
              throw .invalidFixture(file: file, line: lineNumber, message: error.reason)
            }
            let position: Int
            if let last, last.thread == parsed.thread {
              position = last.position
            } else if let known = positions[parsed.thread] {
              position = known
            } else {
              position = threads.count
              positions[parsed.thread] = position
              threads.append([])
              lines.append([])
            }
            last = (parsed.thread, position)
            let next = threads[position].count
            if let seq = parsed.seq, seq != next {
              throw .invalidFixture(
                file: file, line: lineNumber,
                message: "thread \"\(parsed.thread)\" expects seq \(next) here, found \(seq)")
            }
            threads[position].append(parsed.event(seq: next))
            lines[position].append((file, lineNumber))
          }
        }
      }
      try result.get()
    }
    return (threads, lines)
  }

  /// The event on the line `bytes[start..<end]`, nil for a blank line.
  ///
  /// Spaces and tabs around the line are skipped on its bytes; a line that starts or ends
  /// with other bytes than ASCII is trimmed of Unicode spaces as text, as it always was.
  private static func parseLine(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int)
    throws(EventLine.Invalid) -> EventLine?
  {
    var first = start
    var last = end
    while first < last, bytes[first] == 0x20 || bytes[first] == 0x09 { first += 1 }
    while last > first, bytes[last - 1] == 0x20 || bytes[last - 1] == 0x09 { last -= 1 }
    if first == last { return nil }
    if bytes[first] >= 0x80 || bytes[last - 1] >= 0x80 {
      let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[first..<last]), as: UTF8.self)
      let trimmed = text.trimmingCharacters(in: .whitespaces)
      return trimmed.isEmpty ? nil : try EventLine.parse(trimmed)
    }
    return try EventLine.parse(bytes: UnsafeBufferPointer(rebasing: bytes[first..<last]))
  }
}
