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
    var order: [String] = []
    var threads: [String: [Event]] = [:]
    var lines: [String: [(file: String, line: Int)]] = [:]
    for file in files {
      let text: String
      do {
        text = try String(contentsOfFile: file, encoding: .utf8)
      } catch {
        throw .unreadable(file: file, message: "cannot read the fixture file")
      }
      var lineNumber = 0
      for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
        lineNumber += 1
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty { continue }
        let parsed: EventLine
        do {
          parsed = try EventLine.parse(String(trimmed))
        } catch {
          throw .invalidFixture(file: file, line: lineNumber, message: error.reason)
        }
        if threads[parsed.thread] == nil { order.append(parsed.thread) }
        let next = threads[parsed.thread]?.count ?? 0
        if let seq = parsed.seq, seq != next {
          throw .invalidFixture(
            file: file, line: lineNumber,
            message: "thread \"\(parsed.thread)\" expects seq \(next) here, found \(seq)")
        }
        threads[parsed.thread, default: []].append(parsed.event(seq: next))
        lines[parsed.thread, default: []].append((file, lineNumber))
      }
    }
    return (order.map { threads[$0] ?? [] }, order.map { lines[$0] ?? [] })
  }
}
