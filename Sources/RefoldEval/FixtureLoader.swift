import Foundation
import RefoldCore

/// Reads golden threads from event JSONL files.
public enum FixtureLoader {
  /// The threads in `files`, each in `seq` order, in order of first appearance (read by
  /// ``FixtureStream``, which holds one thread at a time; this holds them all).
  ///
  /// A file may hold several threads, each thread's lines together; a line without `seq`
  /// gets its thread's next one.
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
    var threads: [[Event]] = []
    var lines: [[(file: String, line: Int)]] = []
    do {
      try FixtureStream(files: files).forEachThread { thread in
        threads.append(thread.events)
        lines.append(thread.lines)
      }
    } catch let error as SuiteError {
      throw error
    } catch {
      throw .unreadable(file: files.first ?? "", message: "\(error)")
    }
    return (threads, lines)
  }
}
