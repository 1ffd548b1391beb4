import RefoldCore

extension ResultsWriter {
  /// Appends the `threads` member (with the comma before it) as `JSONEncoder`'s
  /// `.prettyPrinted` writes it, one golden thread at a time, handing `buffer` to `flush`
  /// whenever it holds more than the flush size.
  ///
  /// Threads are ordered by their ids' UTF-8 bytes and each event's members by their keys',
  /// as `JSONEncoder` sorts them; a thread holding a number JSON cannot hold is left to
  /// `JSONEncoder`, which reports it. Writing threads this way keeps memory to one thread
  /// and is several times faster than encoding them whole.
  static func appendThreads(
    _ threads: [String: [Event]], into buffer: inout [UInt8],
    flush: ([UInt8]) throws -> Void
  ) throws {
    buffer += Array(",\n  \"threads\" : ".utf8)
    guard !threads.isEmpty else {
      buffer += Array("{\n\n  }".utf8)
      return
    }
    buffer += Array("{\n".utf8)
    let ids = threads.keys.sorted { JSONValue.bytesPrecede($0, $1) }
    var bytes: [UInt8] = []
    for (offset, id) in ids.enumerated() {
      if offset > 0 { buffer += Array(",\n".utf8) }
      buffer += Array("    ".utf8)
      JSONValue.writeString(id, into: &buffer)
      buffer += Array(" : ".utf8)
      let events = threads[id] ?? []
      bytes.removeAll(keepingCapacity: true)
      if !encodedThread(events, into: &bytes) {
        bytes = try compact(events)
      }
      indent(bytes, depth: 2, into: &buffer)
      if buffer.count >= flushSize {
        try flush(buffer)
        buffer.removeAll(keepingCapacity: true)
      }
    }
    buffer += Array("\n  }".utf8)
  }

  /// Writes `events` as compact JSON, the bytes `JSONEncoder` (sorted keys, slashes
  /// unescaped) gives; false for a number that is not finite.
  static func encodedThread(_ events: [Event], into output: inout [UInt8]) -> Bool {
    var ends: [Int] = []
    return encodedThread(events, into: &output, eventEnds: &ends)
  }

  /// ``encodedThread(_:into:)``, also noting where each event's object ends in `output`.
  static func encodedThread(
    _ events: [Event], into output: inout [UInt8], eventEnds: inout [Int]
  ) -> Bool {
    eventEnds.reserveCapacity(events.count)
    output.append(UInt8(ascii: "["))
    for (offset, event) in events.enumerated() {
      if offset > 0 { output.append(UInt8(ascii: ",")) }
      // Members in the order JSONEncoder sorts their keys: at, data, id, meta, seq, thread,
      // type.
      output.append(UInt8(ascii: "{"))
      if let at = event.at {
        output.append(contentsOf: #""at":"#.utf8)
        JSONValue.writeString(at, into: &output)
        output.append(UInt8(ascii: ","))
      }
      output.append(contentsOf: #""data":"#.utf8)
      if let encoded = event.encodedData, !encoded.hasFraction {
        // Canonical JSON without fractions is what writeValue writes.
        output.append(contentsOf: encoded.bytes)
      } else {
        guard writeValue(event.data, into: &output) else { return false }
      }
      if let id = event.id {
        output.append(contentsOf: #","id":"#.utf8)
        JSONValue.writeString(id, into: &output)
      }
      if let meta = event.meta {
        output.append(contentsOf: #","meta":"#.utf8)
        guard writeValue(meta, into: &output) else { return false }
      }
      output.append(contentsOf: #","seq":"#.utf8)
      output.append(contentsOf: String(event.seq).utf8)
      output.append(contentsOf: #","thread":"#.utf8)
      JSONValue.writeString(event.thread, into: &output)
      output.append(contentsOf: #","type":"#.utf8)
      JSONValue.writeString(event.type, into: &output)
      output.append(UInt8(ascii: "}"))
      eventEnds.append(output.count)
    }
    output.append(UInt8(ascii: "]"))
    return true
  }
}
