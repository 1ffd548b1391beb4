import Foundation
import RefoldCore

/// A run as the run stores keep it: its head (the results without cases or golden threads),
/// its info and summary as JSON text, and the golden threads apart, each stored as its own
/// row.
///
/// Every engine stores the same text, so a run copied between engines reads back the same.
public struct StoredRun: Sendable {
  /// The results without cases and golden threads, JSON with sorted keys.
  public var head: String
  /// The run's ``RunInfo``, JSON with sorted keys.
  public var info: String
  /// The run's ``RunSummary``, JSON with sorted keys.
  public var summary: String
  /// The golden threads by name (empty when the run kept none).
  public var threads: [String: [Event]]

  /// Encodes a run's head, info and summary.
  ///
  /// - Throws: what `JSONEncoder` throws (a non-finite number).
  public init(_ results: RunResults) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    var head = results
    head.cases = []
    threads = results.threads ?? [:]
    if !threads.isEmpty { head.threads = nil }
    self.head = String(decoding: try encoder.encode(head), as: UTF8.self)
    info = String(decoding: try encoder.encode(results.run), as: UTF8.self)
    summary = String(decoding: try encoder.encode(results.summary), as: UTF8.self)
  }
}

extension StoredRun {
  /// One case as its `case_results` row holds it: the columns to query by and the case's
  /// compact JSON (``ResultsWriter/compactCase(_:)``).
  public struct CaseRow: Sendable {
    public var id: String
    public var thread: String
    public var mode: String
    public var step: Int?
    public var seq: Int?
    public var verdict: String
    public var expectedIntent: String?
    public var actualIntent: String?
    /// The case's JSON, UTF-8.
    public var body: [UInt8]

    /// The row of `result`.
    ///
    /// - Throws: what ``ResultsWriter/compactCase(_:)`` throws (a non-finite number).
    public init(_ result: CaseResult) throws {
      self.init(result, body: try ResultsWriter.compactCase(result))
    }

    /// The row of `result` whose compact JSON is `body` (as the evaluation encoded it).
    public init(_ result: CaseResult, body: [UInt8]) {
      id = result.id
      thread = result.thread
      mode = result.mode
      step = result.step
      seq = result.seq
      verdict = result.verdict.rawValue
      expectedIntent = result.expected?.name
      actualIntent = result.actual?.name
      self.body = body
    }
  }

  /// One golden thread of a run as its rows hold it: its event JSONL and the key it is
  /// shared under (``goldenKey(thread:_:)``).
  public struct ThreadRow: Sendable {
    public var thread: String
    public var lines: [UInt8]
    public var key: String

    public init(thread: String, events: [Event]) {
      self.thread = thread
      var lines: [UInt8] = []
      StoredRun.eventLines(events, into: &lines)
      self.lines = lines
      key = StoredRun.goldenKey(thread: thread, lines)
    }

    /// The row of a thread whose events were encoded already (the lines
    /// ``init(thread:events:)`` makes of the same events).
    public init(thread: String, compact: CompactThread) {
      self.thread = thread
      lines = compact.lines
      key = StoredRun.goldenKey(thread: thread, lines)
    }
  }

  /// A golden thread's events as event JSONL, one line each, each ending in a newline: each
  /// event's members in the order of ``CompactThread`` (sorted by key), or, for a thread
  /// with a number JSON cannot hold, as ``Event/writeLine(into:)`` writes them.
  public static func eventLines(_ events: [Event], into lines: inout [UInt8]) {
    if let compact = CompactThread(events) {
      lines = compact.lines
      return
    }
    lines.removeAll(keepingCapacity: true)
    for event in events {
      event.writeLine(into: &lines)
      lines.append(0x0A)
    }
  }
}

extension StoredRun {
  /// The key a golden thread's event JSONL is stored under, shared by every run of the same
  /// fixtures: the thread's id, a space, `fnv1a64w-` with a 64-bit hash of the bytes in
  /// hex, then `-` and their length.
  ///
  /// The hash is FNV-1a taken eight bytes at a time (little-endian words, each product's
  /// high half folded into its low half; the last bytes one at a time): it reads a thread
  /// several times faster than byte-wise FNV-1a, which the keys of stores written before
  /// name `fnv1a64-`. Those rows are read as they are; a new run of the same fixtures
  /// stores its threads once more under the new keys.
  ///
  /// The id comes first so that a suite's threads, stored in fixture order, land side by
  /// side in the key's index (a key of the hash alone scatters every batch over the whole
  /// index). Not a cryptographic hash: a store that finds other bytes under a key keeps the
  /// thread with its run instead (a collision costs space, never a wrong thread).
  public static func goldenKey(thread: String, _ lines: [UInt8]) -> String {
    let prime: UInt64 = 0x0100_0000_01b3
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    lines.withUnsafeBytes { raw in
      var offset = 0
      while offset + 8 <= raw.count {
        hash ^= UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
        hash &*= prime
        hash ^= hash >> 32
        offset += 8
      }
      while offset < raw.count {
        hash ^= UInt64(raw[offset])
        hash &*= prime
        offset += 1
      }
    }
    let hex = String(hash, radix: 16)
    return thread + " fnv1a64w-" + String(repeating: "0", count: 16 - hex.count) + hex
      + "-\(lines.count)"
  }
}
