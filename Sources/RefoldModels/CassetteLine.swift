import RefoldCore

/// A cassette line split into its top-level members without parsing their values.
///
/// Opening a cassette needs only each line's `key` and `n`, and replaying needs everything
/// but the request, which is most of a line's bytes. The splitter walks the line's outer
/// object, finding where each member's value starts and ends (strings, nesting and escapes
/// are followed; numbers and literals are not checked), so that only the members asked for
/// are parsed, with ``JSONParser``, as strictly as a whole line would be.
struct CassetteLine {
  /// Why a line is not a JSON object, and where.
  struct Invalid: Error, CustomStringConvertible {
    /// 1-based, within the line.
    var column: Int
    var reason: String
    var description: String { "column \(column): \(reason)" }
  }

  /// The member names and where their values are (byte offsets into the line).
  var members: [(name: String, value: Range<Int>)] = []
  /// Whether the value of the `known` member was recognised and stepped over unread.
  private(set) var knownMatched = false

  /// Splits `bytes`, stopping as soon as every name in `wanted` has been found (nil: the
  /// whole line).
  ///
  /// `known` names a member whose value may be one the caller knows: `length` gives the
  /// length of that value when the bytes handed to it start with it. A value that starts
  /// with it and is followed by `,` or `}` is stepped over without being read (a complete
  /// JSON value ends where its bytes end), and ``knownMatched`` is set.
  ///
  /// - Throws: ``Invalid`` with the column where the line stops being a JSON
  ///   object (duplicate member names included).
  init(
    _ bytes: UnsafeBufferPointer<UInt8>, until wanted: Set<String>? = nil,
    known: (name: String, length: (UnsafeBufferPointer<UInt8>) -> Int?)? = nil
  ) throws(CassetteLine.Invalid) {
    var cursor = Splitter(bytes: bytes)
    cursor.skipWhitespace()
    guard cursor.peek == UInt8(ascii: "{") else { throw cursor.failure("expected a JSON object") }
    cursor.index += 1
    cursor.skipWhitespace()
    if cursor.peek == UInt8(ascii: "}") {
      cursor.index += 1
      try cursor.expectEnd()
      return
    }
    var missing = wanted
    while true {
      cursor.skipWhitespace()
      guard cursor.peek == UInt8(ascii: "\"") else { throw cursor.failure("expected a string key") }
      let nameStart = cursor.index
      try cursor.skipString()
      let name = try Self.name(bytes, nameStart..<cursor.index)
      if members.contains(where: { $0.name == name }) {
        throw CassetteLine.Invalid(column: nameStart + 1, reason: "duplicate key \"\(name)\"")
      }
      cursor.skipWhitespace()
      guard cursor.peek == UInt8(ascii: ":") else {
        throw cursor.failure("expected ':' after an object key")
      }
      cursor.index += 1
      cursor.skipWhitespace()
      let valueStart = cursor.index
      if let known, known.name == name,
        let length = known.length(UnsafeBufferPointer(rebasing: bytes[valueStart...])),
        length > 0, valueStart + length < bytes.count,
        bytes[valueStart + length] == UInt8(ascii: ",")
          || bytes[valueStart + length] == UInt8(ascii: "}")
      {
        cursor.index = valueStart + length
        knownMatched = true
      } else {
        try cursor.skipValue()
      }
      members.append((name, valueStart..<cursor.index))
      missing?.remove(name)
      if missing?.isEmpty == true { return }
      cursor.skipWhitespace()
      switch cursor.peek {
      case UInt8(ascii: ","):
        cursor.index += 1
      case UInt8(ascii: "}"):
        cursor.index += 1
        try cursor.expectEnd()
        return
      case nil:
        throw cursor.failure("unterminated object")
      default:
        throw cursor.failure("expected ',' or '}' in an object")
      }
    }
  }

  /// Where the value of the member `name` is, if the line has it.
  func range(of name: String) -> Range<Int>? {
    members.first { $0.name == name }?.value
  }

  /// A member name from its quoted bytes at `range`: copied when it has no escape, parsed
  /// otherwise.
  private static func name(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>)
    throws(CassetteLine.Invalid) -> String
  {
    let inner = UnsafeBufferPointer(
      rebasing: bytes[(range.lowerBound + 1)..<(range.upperBound - 1)])
    if !inner.contains(UInt8(ascii: "\\")), let name = String(validating: inner, as: UTF8.self) {
      return name
    }
    do {
      return try JSONParser.parse(bytes: UnsafeBufferPointer(rebasing: bytes[range])).stringValue
        ?? ""
    } catch {
      throw Invalid(column: range.lowerBound + error.column, reason: error.reason)
    }
  }
}

/// Steps over JSON values without building them.
private struct Splitter {
  let bytes: UnsafeBufferPointer<UInt8>
  var index = 0

  var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

  func failure(_ reason: String) -> CassetteLine.Invalid {
    CassetteLine.Invalid(column: index + 1, reason: reason)
  }

  mutating func skipWhitespace() {
    while index < bytes.count {
      switch bytes[index] {
      case 0x20, 0x09, 0x0A, 0x0D: index += 1
      default: return
      }
    }
  }

  mutating func expectEnd() throws(CassetteLine.Invalid) {
    skipWhitespace()
    if index < bytes.count { throw failure("unexpected content after the JSON value") }
  }

  /// Steps over a string, from its opening quote to just after its closing one
  /// (``JSONParser/stringEnd(_:count:opening:)``).
  mutating func skipString() throws(CassetteLine.Invalid) {
    guard let base = bytes.baseAddress,
      let end = JSONParser.stringEnd(base, count: bytes.count, opening: index)
    else {
      throw CassetteLine.Invalid(column: index + 1, reason: "unterminated string")
    }
    index = end
  }

  /// Steps over one value: a string, a whole object or array, or a number or literal.
  mutating func skipValue() throws(CassetteLine.Invalid) {
    guard let first = peek else { throw failure("unexpected end of input") }
    switch first {
    case UInt8(ascii: "\""):
      try skipString()
    case UInt8(ascii: "{"), UInt8(ascii: "["):
      // Brackets are counted, not matched by kind: the value is parsed strictly when it is
      // used, and a line whose brackets do not even balance is refused here.
      let start = index
      var depth = 0
      while index < bytes.count {
        switch bytes[index] {
        case UInt8(ascii: "\""):
          try skipString()
          continue
        case UInt8(ascii: "{"), UInt8(ascii: "["):
          depth += 1
          guard depth <= JSONParser.maximumDepth else { throw failure("nesting too deep") }
        case UInt8(ascii: "}"), UInt8(ascii: "]"):
          depth -= 1
          if depth == 0 {
            index += 1
            return
          }
        default:
          break
        }
        index += 1
      }
      throw CassetteLine.Invalid(
        column: start + 1,
        reason: first == UInt8(ascii: "{") ? "unterminated object" : "unterminated array")
    default:
      let start = index
      while index < bytes.count {
        switch bytes[index] {
        case UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"), 0x20, 0x09, 0x0A, 0x0D:
          if index == start { throw failure("unexpected character") }
          return
        default:
          index += 1
        }
      }
    }
  }
}
