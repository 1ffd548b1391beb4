/// A strict RFC 8259 JSON parser over UTF-8 bytes.
///
/// It is faster than going through `Codable`, keeps integers apart from fractional numbers,
/// rejects duplicate object keys, and reports the column of the first mistake, which the
/// importers turn into "file:line:column: reason".
public struct JSONParser {
  /// A parse failure: what was wrong and where (1-based column within the input).
  public struct Failure: Error, Equatable, Sendable, CustomStringConvertible {
    public var column: Int
    public var reason: String
    public var description: String { "column \(column): \(reason)" }
  }

  /// Nesting deeper than this is refused rather than risking the stack.
  public static let maximumDepth = 256

  /// Parses one complete JSON text; anything but whitespace after it is an error.
  ///
  /// ```swift
  /// let value = try JSONParser.parse(#"{"a":[1,2.5,"x"]}"#)
  /// ```
  public static func parse(_ text: String) throws(Failure) -> JSONValue {
    var text = text
    let result = text.withUTF8 { buffer in
      Result { () throws(Failure) in try parse(bytes: buffer) }
    }
    return try result.get()
  }

  /// Parses one complete JSON text from raw UTF-8 bytes.
  public static func parse(bytes: UnsafeBufferPointer<UInt8>) throws(Failure) -> JSONValue {
    var parser = Cursor(bytes: bytes)
    parser.skipWhitespace()
    let value = try parser.parseValue(depth: 0)
    parser.skipWhitespace()
    if parser.index < bytes.count {
      throw parser.failure("unexpected content after the JSON value")
    }
    return value
  }

  /// Parses one complete JSON text whose value is an object of at most a dozen members,
  /// returning the members in order without building the object's dictionary (duplicate
  /// keys are still refused); nil when the value is something else, to be parsed with
  /// ``parse(bytes:)``.
  static func parseSmallObject(bytes: UnsafeBufferPointer<UInt8>) throws(Failure)
    -> [(key: String, value: JSONValue)]?
  {
    var spans: [Range<Int>?] = []
    return try parseSmallObject(bytes: bytes, canonicalSpans: &spans)
  }

  /// ``parseSmallObject(bytes:)``, also giving, member by member, the byte range of the
  /// member's value when those bytes are already its canonical JSON (nil when they may not
  /// be: whitespace, escapes, unsorted keys, a number in another spelling).
  static func parseSmallObject(
    bytes: UnsafeBufferPointer<UInt8>, canonicalSpans: inout [Range<Int>?]
  ) throws(Failure) -> [(key: String, value: JSONValue)]? {
    var fractions: [Bool] = []
    return try parseSmallObject(
      bytes: bytes, canonicalSpans: &canonicalSpans, fractions: &fractions)
  }

  /// ``parseSmallObject(bytes:canonicalSpans:)``, also giving, member by member, whether the
  /// member's value holds a fractional number.
  static func parseSmallObject(
    bytes: UnsafeBufferPointer<UInt8>, canonicalSpans: inout [Range<Int>?],
    fractions: inout [Bool]
  ) throws(Failure) -> [(key: String, value: JSONValue)]? {
    var parser = Cursor(bytes: bytes)
    parser.skipWhitespace()
    guard parser.index < bytes.count, bytes[parser.index] == UInt8(ascii: "{") else {
      return nil
    }
    parser.keepsTopMembers = true
    let value = try parser.parseValue(depth: 0)
    parser.skipWhitespace()
    if parser.index < bytes.count {
      throw parser.failure("unexpected content after the JSON value")
    }
    if case .object(let members) = value, !members.isEmpty { return nil }
    canonicalSpans = parser.topSpans
    fractions = parser.topFractions
    return parser.topMembers
  }

  /// Parses one complete JSON text from bytes.
  public static func parse<Bytes: Collection>(bytes: Bytes) throws(Failure) -> JSONValue
  where Bytes.Element == UInt8 {
    let array = Array(bytes)
    return try array.withUnsafeBufferPointer { buffer throws(Failure) in
      try parse(bytes: buffer)
    }
  }
}

private struct Cursor {
  let bytes: UnsafeBufferPointer<UInt8>
  var index = 0
  /// Members of the objects being parsed, innermost last.
  var pending: [(key: String, value: JSONValue)] = []
  /// Whether the outermost object's members go to `topMembers` instead of a dictionary.
  var keepsTopMembers = false
  var topMembers: [(key: String, value: JSONValue)] = []
  /// For each of `topMembers`, its value's bytes when they are canonical JSON.
  var topSpans: [Range<Int>?] = []
  /// Whether the value being parsed is, so far, written exactly as its canonical JSON;
  /// tracked for the values of `topMembers` only (set there before each is parsed).
  var isCanonical = false
  /// For each of `topMembers`, whether its value holds a fractional number.
  var topFractions: [Bool] = []
  /// Whether a fractional number was read since it was last cleared.
  var sawFraction = false

  init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

  func failure(_ reason: String) -> JSONParser.Failure {
    JSONParser.Failure(column: index + 1, reason: reason)
  }

  mutating func skipWhitespace() {
    while index < bytes.count {
      switch bytes[index] {
      case 0x20, 0x09, 0x0A, 0x0D:
        index += 1
        isCanonical = false
      default: return
      }
    }
  }

  mutating func parseValue(depth: Int) throws(JSONParser.Failure) -> JSONValue {
    guard index < bytes.count else { throw failure("unexpected end of input") }
    switch bytes[index] {
    case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
    case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
    case UInt8(ascii: "\""): return .string(try parseString())
    case UInt8(ascii: "t"):
      try expectLiteral("true")
      return .bool(true)
    case UInt8(ascii: "f"):
      try expectLiteral("false")
      return .bool(false)
    case UInt8(ascii: "n"):
      try expectLiteral("null")
      return .null
    case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
      return try parseNumber()
    default:
      throw failure("unexpected character '\(Character(Unicode.Scalar(bytes[index])))'")
    }
  }

  mutating func expectLiteral(_ literal: StaticString) throws(JSONParser.Failure) {
    let count = literal.utf8CodeUnitCount
    guard index + count <= bytes.count else { throw failure("invalid literal") }
    let start = literal.utf8Start
    for offset in 0..<count where bytes[index + offset] != start[offset] {
      throw failure("invalid literal")
    }
    index += count
  }

  mutating func parseObject(depth: Int) throws(JSONParser.Failure) -> JSONValue {
    guard depth <= JSONParser.maximumDepth else { throw failure("nesting too deep") }
    index += 1
    skipWhitespace()
    if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
      index += 1
      return .object([:])
    }
    // The first members wait on a stack shared by every object of the text, so that a small
    // object's dictionary is built once at its final size; a larger one moves to a dictionary.
    let base = pending.count
    defer { pending.removeSubrange(base...) }
    var members: [String: JSONValue]?
    let isTop = keepsTopMembers && depth == 1
    // The previous key's raw bytes: canonical JSON has keys in increasing byte order.
    var previousKey = 0..<0
    while true {
      skipWhitespace()
      guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
        throw failure("expected a string key")
      }
      let keyStart = index
      let key = try parseString()
      let keyBytes = keyStart + 1..<index - 1
      if !previousKey.isEmpty, !precedes(previousKey, keyBytes) { isCanonical = false }
      previousKey = keyBytes
      skipWhitespace()
      guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else {
        throw failure("expected ':' after an object key")
      }
      index += 1
      skipWhitespace()
      let valueStart = index
      let outerCanonical = isCanonical
      if isTop {
        isCanonical = true
        sawFraction = false
      }
      let value = try parseValue(depth: depth)
      if isTop {
        topSpans.append(isCanonical ? valueStart..<index : nil)
        topFractions.append(sawFraction)
        isCanonical = outerCanonical
      }
      let isDuplicate: Bool
      if members != nil {
        isDuplicate = members?.updateValue(value, forKey: key) != nil
      } else {
        isDuplicate = pending[base...].contains { $0.key == key }
        pending.append((key, value))
        if pending.count - base > Self.stackedMembers {
          members = Self.dictionary(moving: &pending, from: base, capacity: 2 * Self.stackedMembers)
        }
      }
      if isDuplicate {
        throw JSONParser.Failure(column: keyStart + 1, reason: "duplicate key \"\(key)\"")
      }
      skipWhitespace()
      guard index < bytes.count else { throw failure("unterminated object") }
      if bytes[index] == UInt8(ascii: ",") {
        index += 1
        continue
      }
      if bytes[index] == UInt8(ascii: "}") {
        index += 1
        if members == nil, isTop {
          if base == 0 {
            // The outermost object: its members are the whole stack, moved as they are.
            swap(&topMembers, &pending)
          } else {
            topMembers = Array(pending[base...])
          }
          return .object([:])
        }
        return .object(members ?? Self.dictionary(moving: &pending, from: base, capacity: 0))
      }
      throw failure("expected ',' or '}' in an object")
    }
  }

  /// Members kept on the stack before an object moves to a dictionary.
  static let stackedMembers = 12

  /// Whether the bytes at `a` sort strictly before those at `b`.
  func precedes(_ a: Range<Int>, _ b: Range<Int>) -> Bool {
    var left = a.lowerBound
    var right = b.lowerBound
    while left < a.upperBound, right < b.upperBound {
      if bytes[left] != bytes[right] { return bytes[left] < bytes[right] }
      left += 1
      right += 1
    }
    return left == a.upperBound && right < b.upperBound
  }

  /// The members of `pending` from `base` on as a dictionary, taken off the stack (moved,
  /// not copied: the keys are distinct).
  static func dictionary(
    moving pending: inout [(key: String, value: JSONValue)], from base: Int, capacity: Int
  ) -> [String: JSONValue] {
    var dictionary = [String: JSONValue](minimumCapacity: max(capacity, pending.count - base))
    while pending.count > base {
      let member = pending.removeLast()
      dictionary[member.key] = member.value
    }
    return dictionary
  }

  mutating func parseArray(depth: Int) throws(JSONParser.Failure) -> JSONValue {
    guard depth <= JSONParser.maximumDepth else { throw failure("nesting too deep") }
    index += 1
    var elements: [JSONValue] = []
    skipWhitespace()
    if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
      index += 1
      return .array(elements)
    }
    while true {
      skipWhitespace()
      elements.append(try parseValue(depth: depth))
      skipWhitespace()
      guard index < bytes.count else { throw failure("unterminated array") }
      if bytes[index] == UInt8(ascii: ",") {
        index += 1
        continue
      }
      if bytes[index] == UInt8(ascii: "]") {
        index += 1
        return .array(elements)
      }
      throw failure("expected ',' or ']' in an array")
    }
  }

  mutating func parseString() throws(JSONParser.Failure) -> String {
    index += 1
    let start = index
    // Fast path: no escapes. ASCII needs no UTF-8 validation.
    var ascii = true
    while index < bytes.count {
      let byte = bytes[index]
      if byte == UInt8(ascii: "\"") {
        let slice = UnsafeBufferPointer(rebasing: bytes[start..<index])
        index += 1
        if ascii { return String(decoding: slice, as: UTF8.self) }
        guard let string = String(validating: slice, as: UTF8.self) else {
          throw JSONParser.Failure(column: start, reason: "invalid UTF-8 in a string")
        }
        return string
      }
      if byte == UInt8(ascii: "\\") { break }
      if byte < 0x20 { throw failure("control character in a string") }
      if byte >= 0x80 { ascii = false }
      index += 1
    }
    // An escape may not be the canonical one; such a value is rewritten rather than kept.
    isCanonical = false
    var scratch = Array(UnsafeBufferPointer(rebasing: bytes[start..<index]))
    while index < bytes.count {
      let byte = bytes[index]
      switch byte {
      case UInt8(ascii: "\""):
        index += 1
        guard let string = String(validating: scratch, as: UTF8.self) else {
          throw JSONParser.Failure(column: start, reason: "invalid UTF-8 in a string")
        }
        return string
      case UInt8(ascii: "\\"):
        // Escape errors point at the escape's backslash.
        let escapeColumn = index + 1
        index += 1
        guard index < bytes.count else { throw failure("unterminated string") }
        let escape = bytes[index]
        index += 1
        switch escape {
        case UInt8(ascii: "\""): scratch.append(0x22)
        case UInt8(ascii: "\\"): scratch.append(0x5C)
        case UInt8(ascii: "/"): scratch.append(0x2F)
        case UInt8(ascii: "b"): scratch.append(0x08)
        case UInt8(ascii: "f"): scratch.append(0x0C)
        case UInt8(ascii: "n"): scratch.append(0x0A)
        case UInt8(ascii: "r"): scratch.append(0x0D)
        case UInt8(ascii: "t"): scratch.append(0x09)
        case UInt8(ascii: "u"):
          var scalar = try parseHex4()
          if (0xD800...0xDBFF).contains(scalar) {
            guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"),
              bytes[index + 1] == UInt8(ascii: "u")
            else {
              throw JSONParser.Failure(
                column: escapeColumn, reason: "unpaired surrogate in a \\u escape")
            }
            let lowColumn = index + 1
            index += 2
            let low = try parseHex4()
            guard (0xDC00...0xDFFF).contains(low) else {
              throw JSONParser.Failure(
                column: lowColumn, reason: "invalid low surrogate in a \\u escape")
            }
            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
          } else if (0xDC00...0xDFFF).contains(scalar) {
            throw JSONParser.Failure(
              column: escapeColumn, reason: "unpaired surrogate in a \\u escape")
          }
          guard let unicode = Unicode.Scalar(scalar) else {
            throw JSONParser.Failure(column: escapeColumn, reason: "invalid \\u escape")
          }
          scratch.append(contentsOf: Array(String(Character(unicode)).utf8))
        default:
          throw JSONParser.Failure(
            column: escapeColumn,
            reason: "invalid escape '\\\(Character(Unicode.Scalar(escape)))'")
        }
      default:
        if byte < 0x20 { throw failure("control character in a string") }
        scratch.append(byte)
        index += 1
      }
    }
    throw failure("unterminated string")
  }

  mutating func parseHex4() throws(JSONParser.Failure) -> UInt32 {
    guard index + 4 <= bytes.count else { throw failure("short \\u escape") }
    var value: UInt32 = 0
    for _ in 0..<4 {
      let byte = bytes[index]
      let digit: UInt32
      switch byte {
      case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
      case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
      case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
      default: throw failure("invalid hex digit in a \\u escape")
      }
      value = value * 16 + digit
      index += 1
    }
    return value
  }

  mutating func parseNumber() throws(JSONParser.Failure) -> JSONValue {
    let start = index
    var isInteger = true
    if bytes[index] == UInt8(ascii: "-") { index += 1 }
    guard index < bytes.count, isDigit(bytes[index]) else { throw failure("invalid number") }
    if bytes[index] == UInt8(ascii: "0") {
      index += 1
      if index < bytes.count, isDigit(bytes[index]) {
        throw failure("leading zero in a number")
      }
    } else {
      while index < bytes.count, isDigit(bytes[index]) { index += 1 }
    }
    if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
      isInteger = false
      index += 1
      guard index < bytes.count, isDigit(bytes[index]) else {
        throw failure("expected a digit after '.'")
      }
      while index < bytes.count, isDigit(bytes[index]) { index += 1 }
    }
    if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
      isInteger = false
      index += 1
      if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-")
      {
        index += 1
      }
      guard index < bytes.count, isDigit(bytes[index]) else {
        throw failure("expected a digit in an exponent")
      }
      while index < bytes.count, isDigit(bytes[index]) { index += 1 }
    }
    let slice = UnsafeBufferPointer(rebasing: bytes[start..<index])
    if isInteger, slice.count <= 18 {
      var value: Int64 = 0
      var negative = false
      for byte in slice {
        if byte == UInt8(ascii: "-") {
          negative = true
        } else {
          value = value * 10 + Int64(byte - UInt8(ascii: "0"))
        }
      }
      if negative, value == 0 { isCanonical = false }
      return .int(negative ? -value : value)
    }
    let text = String(decoding: slice, as: UTF8.self)
    if isInteger, let value = Int64(text) {
      if text != String(value) { isCanonical = false }
      return .int(value)
    }
    guard let value = Double(text), value.isFinite else {
      throw JSONParser.Failure(column: start + 1, reason: "number out of range")
    }
    if isCanonical, JSONValue.formatNumber(value) != text { isCanonical = false }
    sawFraction = true
    return .double(value)
  }

  func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
}
