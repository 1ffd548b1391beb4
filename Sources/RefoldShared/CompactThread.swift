import RefoldCore

/// A golden thread's events encoded once, for every writer that keeps them: `results.json`'s
/// `threads` member and the run store's event JSONL.
///
/// An evaluation encodes each thread in the task that scored it, so the writers, each on a
/// queue of its own, copy bytes instead of walking the events again.
public struct CompactThread: Sendable, Hashable {
  /// The events as a compact JSON array, as `JSONEncoder` writes it with sorted keys and
  /// slashes unescaped (``ResultsWriter/compactThread(_:)``).
  public let bytes: [UInt8]
  /// Where each event's object ends in ``bytes``.
  public let eventEnds: [Int]

  /// The encoding of `events`, or nil when one holds a number JSON cannot (not finite).
  public init?(_ events: [Event]) {
    var bytes: [UInt8] = []
    var ends: [Int] = []
    guard ResultsWriter.encodedThread(events, into: &bytes, eventEnds: &ends) else { return nil }
    self.bytes = bytes
    eventEnds = ends
  }

  /// The events as JSONL: each event's object on a line of its own, each line ending in a
  /// newline.
  public var lines: [UInt8] {
    var lines: [UInt8] = []
    lines.reserveCapacity(bytes.count)
    var start = 1
    for end in eventEnds {
      lines += bytes[start..<end]
      lines.append(0x0A)
      // Past the comma between two objects.
      start = end + 1
    }
    return lines
  }
}
