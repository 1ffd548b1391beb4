/// One parsed line of event JSONL, before the store has assigned a missing `seq`.
public struct EventLine: Sendable, Hashable {
  public var thread: String
  public var seq: Int?
  public var type: String
  public var data: JSONValue
  public var at: String?
  public var id: String?
  public var meta: JSONValue?

  public init(
    thread: String, seq: Int? = nil, type: String, data: JSONValue = .emptyObject,
    at: String? = nil, id: String? = nil, meta: JSONValue? = nil
  ) {
    self.thread = thread
    self.seq = seq
    self.type = type
    self.data = data
    self.at = at
    self.id = id
    self.meta = meta
  }

  /// The event with `seq` filled in.
  public func event(seq assigned: Int) -> Event {
    Event(thread: thread, seq: seq ?? assigned, type: type, data: data, at: at, id: id, meta: meta)
  }

  /// A reason an event line is not valid, without its location (the caller adds file and line).
  public struct Invalid: Error, Equatable, Sendable, CustomStringConvertible {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
  }

  static let knownFields: Set<String> = ["thread", "seq", "type", "data", "at", "id", "meta"]

  /// Parses and validates one line of event JSONL.
  ///
  /// `thread`, `type` and `data` are required; `seq` must be a non-negative integer when
  /// present; `at` must be an RFC 3339 timestamp; `meta` must be an object; unknown fields
  /// are refused so that a typo does not silently drop data.
  public static func parse(_ line: String) throws(Invalid) -> EventLine {
    var line = line
    let result = line.withUTF8 { buffer in
      Result { () throws(Invalid) in try parse(bytes: buffer) }
    }
    return try result.get()
  }

  /// Parses and validates one line of event JSONL from its UTF-8 bytes.
  public static func parse(bytes: UnsafeBufferPointer<UInt8>) throws(Invalid) -> EventLine {
    var canonicalData: Range<Int>?
    return try parse(bytes: bytes, canonicalData: &canonicalData)
  }

  /// ``parse(bytes:)``, also giving the byte range of `data` in `bytes` when it is already
  /// written as canonical JSON, so that an importer can store those bytes as they are.
  package static func parse(
    bytes: UnsafeBufferPointer<UInt8>, canonicalData: inout Range<Int>?
  ) throws(Invalid) -> EventLine {
    var fraction = false
    return try parse(bytes: bytes, canonicalData: &canonicalData, fraction: &fraction)
  }

  /// ``parse(bytes:)``, also giving `data` as the canonical JSON the line wrote it in, when
  /// it did, for writers to copy.
  package static func parse(
    bytes: UnsafeBufferPointer<UInt8>, encodedData: inout EncodedData?
  ) throws(Invalid) -> EventLine {
    var span: Range<Int>?
    var fraction = false
    let line = try parse(bytes: bytes, canonicalData: &span, fraction: &fraction)
    encodedData = span.map {
      EncodedData(bytes: Array(UnsafeBufferPointer(rebasing: bytes[$0])), hasFraction: fraction)
    }
    return line
  }

  private static func parse(
    bytes: UnsafeBufferPointer<UInt8>, canonicalData: inout Range<Int>?, fraction: inout Bool
  ) throws(Invalid) -> EventLine {
    canonicalData = nil
    // An event is a small object: read its members without building a dictionary.
    let members: [(key: String, value: JSONValue)]?
    var spans: [Range<Int>?] = []
    var fractions: [Bool] = []
    do {
      members = try JSONParser.parseSmallObject(
        bytes: bytes, canonicalSpans: &spans, fractions: &fractions)
    } catch {
      throw Invalid("invalid JSON at \(error)")
    }
    if let members {
      let line = try from(members: members)
      if let offset = members.firstIndex(where: { $0.key == "data" }), offset < spans.count {
        canonicalData = spans[offset]
        fraction = offset < fractions.count && fractions[offset]
      }
      return line
    }
    let value: JSONValue
    do {
      value = try JSONParser.parse(bytes: bytes)
    } catch {
      throw Invalid("invalid JSON at \(error)")
    }
    return try from(value)
  }

  /// ``from(_:)`` for an object given as its members in order (keys are distinct).
  static func from(members: [(key: String, value: JSONValue)]) throws(Invalid) -> EventLine {
    var thread: JSONValue?
    var type: JSONValue?
    var data: JSONValue?
    var seq: JSONValue?
    var at: JSONValue?
    var id: JSONValue?
    var meta: JSONValue?
    for member in members {
      switch member.key {
      case "thread": thread = member.value
      case "type": type = member.value
      case "data": data = member.value
      case "seq": seq = member.value
      case "at": at = member.value
      case "id": id = member.value
      case "meta": meta = member.value
      default: throw Invalid("unknown field \"\(member.key)\"")
      }
    }
    return try validate(
      thread: thread, type: type, data: data, seq: seq, at: at, id: id, meta: meta)
  }

  /// Validates an already parsed JSON object as an event line.
  public static func from(_ value: JSONValue) throws(Invalid) -> EventLine {
    guard case .object(let members) = value else { throw Invalid("an event must be a JSON object") }
    let threadField = members["thread"]
    let typeField = members["type"]
    let dataField = members["data"]
    let seqField = members["seq"]
    let atField = members["at"]
    let idField = members["id"]
    let metaField = members["meta"]
    var known = 0
    if threadField != nil { known += 1 }
    if typeField != nil { known += 1 }
    if dataField != nil { known += 1 }
    if seqField != nil { known += 1 }
    if atField != nil { known += 1 }
    if idField != nil { known += 1 }
    if metaField != nil { known += 1 }
    if known != members.count {
      for key in members.keys where !knownFields.contains(key) {
        throw Invalid("unknown field \"\(key)\"")
      }
    }
    return try validate(
      thread: threadField, type: typeField, data: dataField, seq: seqField, at: atField,
      id: idField, meta: metaField)
  }

  /// The checks shared by ``from(_:)`` and ``from(members:)``, on the known fields.
  private static func validate(
    thread threadField: JSONValue?, type typeField: JSONValue?, data dataField: JSONValue?,
    seq seqField: JSONValue?, at atField: JSONValue?, id idField: JSONValue?,
    meta metaField: JSONValue?
  ) throws(Invalid) -> EventLine {
    guard let threadValue = threadField else { throw Invalid("missing field \"thread\"") }
    guard case .string(let thread) = threadValue, !thread.isEmpty else {
      throw Invalid("\"thread\" must be a non-empty string")
    }
    guard let typeValue = typeField else { throw Invalid("missing field \"type\"") }
    guard case .string(let type) = typeValue, !type.isEmpty else {
      throw Invalid("\"type\" must be a non-empty string")
    }
    guard let data = dataField else { throw Invalid("missing field \"data\"") }
    var seq: Int?
    if let seqValue = seqField {
      guard case .int(let raw) = seqValue, raw >= 0, let value = Int(exactly: raw) else {
        throw Invalid("\"seq\" must be a non-negative integer")
      }
      seq = value
    }
    var at: String?
    if let atValue = atField {
      guard case .string(let text) = atValue, Timestamp.isRFC3339(text) else {
        throw Invalid("\"at\" must be an RFC 3339 timestamp such as 2026-11-20T10:00:00Z")
      }
      at = text
    }
    var id: String?
    if let idValue = idField {
      guard case .string(let text) = idValue, !text.isEmpty else {
        throw Invalid("\"id\" must be a non-empty string")
      }
      id = text
    }
    var meta: JSONValue?
    if let metaValue = metaField {
      guard case .object = metaValue else { throw Invalid("\"meta\" must be an object") }
      meta = metaValue
    }
    return EventLine(thread: thread, seq: seq, type: type, data: data, at: at, id: id, meta: meta)
  }
}

/// RFC 3339 timestamp checks, without Foundation's formatters (the core does no I/O and
/// wants no locale).
public enum Timestamp {
  /// Whether `text` is `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`.
  public static func isRFC3339(_ text: String) -> Bool {
    if let result = text.utf8.withContiguousStorageIfAvailable(isRFC3339(bytes:)) {
      return result
    }
    return Array(text.utf8).withUnsafeBufferPointer(isRFC3339(bytes:))
  }

  private static func isRFC3339(bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    func digits(_ range: Range<Int>) -> Int? {
      guard range.upperBound <= bytes.count else { return nil }
      var value = 0
      for index in range {
        let byte = bytes[index]
        guard byte >= 0x30, byte <= 0x39 else { return nil }
        value = value * 10 + Int(byte - 0x30)
      }
      return value
    }
    guard bytes.count >= 20, digits(0..<4) != nil, bytes[4] == 0x2D, let month = digits(5..<7),
      bytes[7] == 0x2D, let day = digits(8..<10),
      bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: "t") || bytes[10] == 0x20,
      let hour = digits(11..<13), bytes[13] == 0x3A, let minute = digits(14..<16),
      bytes[16] == 0x3A, let second = digits(17..<19)
    else { return false }
    guard (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second <= 60
    else { return false }
    var index = 19
    if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
      index += 1
      let start = index
      while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 { index += 1 }
      if index == start { return false }
    }
    guard index < bytes.count else { return false }
    if bytes[index] == UInt8(ascii: "Z") || bytes[index] == UInt8(ascii: "z") {
      return index + 1 == bytes.count
    }
    guard bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-"),
      index + 6 == bytes.count, let offsetHour = digits(index + 1..<index + 3),
      bytes[index + 3] == 0x3A, let offsetMinute = digits(index + 4..<index + 6)
    else { return false }
    return offsetHour < 24 && offsetMinute < 60
  }
}
