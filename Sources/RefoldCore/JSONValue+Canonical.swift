extension JSONValue {
  /// The canonical JSON text: sorted keys, no insignificant whitespace, stable numbers.
  ///
  /// The same value always gives the same bytes, which makes it fit for hashing (cassette
  /// keys) and for byte-stable export. Keys sort by their UTF-8 bytes (code point order);
  /// numbers follow the ECMAScript `Number.prototype.toString` rules that RFC 8785 uses, so
  /// `2.0` is written `2` and `1e-7` is written `1e-7`.
  public var canonicalString: String {
    var output: [UInt8] = []
    output.reserveCapacity(64)
    writeCanonical(into: &output)
    return String(decoding: output, as: UTF8.self)
  }

  /// Appends the canonical UTF-8 bytes of this value to `output`.
  public func writeCanonical(into output: inout [UInt8]) {
    switch self {
    case .null: output.append(contentsOf: "null".utf8)
    case .bool(let value): output.append(contentsOf: (value ? "true" : "false").utf8)
    case .int(let value): output.append(contentsOf: String(value).utf8)
    case .double(let value): output.append(contentsOf: JSONValue.formatNumber(value).utf8)
    case .string(let value): JSONValue.writeString(value, into: &output)
    case .array(let elements):
      output.append(UInt8(ascii: "["))
      for (offset, element) in elements.enumerated() {
        if offset > 0 { output.append(UInt8(ascii: ",")) }
        element.writeCanonical(into: &output)
      }
      output.append(UInt8(ascii: "]"))
    case .object(let members):
      output.append(UInt8(ascii: "{"))
      if members.count == 1, let member = members.first {
        JSONValue.writeString(member.key, into: &output)
        output.append(UInt8(ascii: ":"))
        member.value.writeCanonical(into: &output)
      } else {
        let sorted = members.sorted { JSONValue.bytesPrecede($0.key, $1.key) }
        for (offset, member) in sorted.enumerated() {
          if offset > 0 { output.append(UInt8(ascii: ",")) }
          JSONValue.writeString(member.key, into: &output)
          output.append(UInt8(ascii: ":"))
          member.value.writeCanonical(into: &output)
        }
      }
      output.append(UInt8(ascii: "}"))
    }
  }

  /// Whether `a` sorts before `b` by their UTF-8 bytes (code point order), reading the bytes
  /// in place when the strings are contiguous: the order of sorted keys everywhere Refold
  /// writes JSON.
  public static func bytesPrecede(_ a: String, _ b: String) -> Bool {
    let fast = a.utf8.withContiguousStorageIfAvailable { left in
      b.utf8.withContiguousStorageIfAvailable { right -> Bool in
        for index in 0..<min(left.count, right.count) where left[index] != right[index] {
          return left[index] < right[index]
        }
        return left.count < right.count
      }
    }
    if let fast, let result = fast { return result }
    return a.utf8.lexicographicallyPrecedes(b.utf8)
  }

  /// Writes a JSON string literal with the minimal escapes.
  public static func writeString(_ string: String, into output: inout [UInt8]) {
    let written: Void? = string.utf8.withContiguousStorageIfAvailable { bytes in
      writeString(bytes: bytes, into: &output)
    }
    if written == nil {
      Array(string.utf8).withUnsafeBufferPointer { writeString(bytes: $0, into: &output) }
    }
  }

  /// Writes the string literal of UTF-8 `bytes`.
  ///
  /// Prompts are long and escape every line break and every quote of the schemas they
  /// show, so this is on the hot path of hashing a request: one pass looks at eight bytes
  /// at a time where nothing needs escaping and appends the runs between escapes whole,
  /// straight into `output`.
  private static func writeString(bytes: UnsafeBufferPointer<UInt8>, into output: inout [UInt8]) {
    output.append(UInt8(ascii: "\""))
    guard let base = bytes.baseAddress else {
      output.append(UInt8(ascii: "\""))
      return
    }
    let raw = UnsafeRawPointer(base)
    let count = bytes.count
    var index = 0
    var runStart = 0
    while index < count {
      let end = min(index + 8, count)
      if end - index == 8, !mayNeedEscape(raw.loadUnaligned(fromByteOffset: index, as: UInt64.self))
      {
        index = end
        continue
      }
      while index < end {
        let byte = base[index]
        if byte == 0x22 || byte == 0x5C || byte < 0x20 {
          if index > runStart {
            output.append(
              contentsOf: UnsafeBufferPointer(start: base + runStart, count: index - runStart))
          }
          writeEscape(byte, into: &output)
          runStart = index + 1
        }
        index += 1
      }
    }
    if count > runStart {
      output.append(
        contentsOf: UnsafeBufferPointer(start: base + runStart, count: count - runStart))
    }
    output.append(UInt8(ascii: "\""))
  }

  /// Whether any of the eight bytes of `word` is a quote, a backslash or a control
  /// character.
  ///
  /// The classic bit tests: `(v - 0x01…01) & ~v & 0x80…80` is non-zero exactly when some
  /// byte of `v` is zero, and with `0x20…20` in place of `0x01…01` when some byte is below
  /// 0x20. A byte from 0x80 up never counts, so UTF-8 text passes through.
  static func mayNeedEscape(_ word: UInt64) -> Bool {
    let ones: UInt64 = 0x0101_0101_0101_0101
    let high: UInt64 = 0x8080_8080_8080_8080
    func hasByteBelow(_ value: UInt64, _ limit: UInt64) -> Bool {
      (value &- ones &* limit) & ~value & high != 0
    }
    return hasByteBelow(word, 0x20) || hasByteBelow(word ^ (ones &* 0x22), 1)
      || hasByteBelow(word ^ (ones &* 0x5C), 1)
  }

  /// Appends `byte` of a string literal, escaped if it must be.
  private static func writeEscape(_ byte: UInt8, into output: inout [UInt8]) {
    let escaped: UInt8
    switch byte {
    case 0x22, 0x5C: escaped = byte
    case 0x0A: escaped = UInt8(ascii: "n")
    case 0x0D: escaped = UInt8(ascii: "r")
    case 0x09: escaped = UInt8(ascii: "t")
    case 0x08: escaped = UInt8(ascii: "b")
    case 0x0C: escaped = UInt8(ascii: "f")
    case 0..<0x20:
      let hex = "0123456789abcdef".utf8
      output.append(contentsOf: "\\u00".utf8)
      output.append(hex[hex.index(hex.startIndex, offsetBy: Int(byte >> 4))])
      output.append(hex[hex.index(hex.startIndex, offsetBy: Int(byte & 0x0F))])
      return
    default:
      output.append(byte)
      return
    }
    output.append(0x5C)
    output.append(escaped)
  }

  /// Formats a finite double the way ECMAScript does (shortest round-trip digits).
  public static func formatNumber(_ value: Double) -> String {
    guard value.isFinite else { return "null" }
    if value == 0 { return "0" }
    if value == value.rounded(), abs(value) < 1e15, let integer = Int64(exactly: value) {
      return String(integer)
    }
    // Swift's description gives the shortest digits that round-trip; re-lay them out.
    let text = value.magnitude.description
    var mantissa = Substring(text)
    var exponent = 0
    if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
      mantissa = text[..<e]
      exponent = Int(text[text.index(after: e)...]) ?? 0
    }
    var digits = ""
    var pointOffset = 0
    var seenPoint = false
    for character in mantissa {
      if character == "." {
        seenPoint = true
      } else {
        digits.append(character)
        if !seenPoint { pointOffset += 1 }
      }
    }
    // Strip leading zeros, moving the point.
    while digits.count > 1, digits.first == "0" {
      digits.removeFirst()
      pointOffset -= 1
    }
    while digits.count > 1, digits.last == "0" { digits.removeLast() }
    let k = digits.count
    let n = pointOffset + exponent
    var result = value < 0 ? "-" : ""
    if k <= n && n <= 21 {
      result += digits + String(repeating: "0", count: n - k)
    } else if 0 < n && n <= 21 {
      let split = digits.index(digits.startIndex, offsetBy: n)
      result += digits[..<split] + "." + digits[split...]
    } else if -6 < n && n <= 0 {
      result += "0." + String(repeating: "0", count: -n) + digits
    } else {
      let first = digits.prefix(1)
      let rest = digits.dropFirst()
      let e = n - 1
      result +=
        first + (rest.isEmpty ? "" : "." + rest) + "e" + (e >= 0 ? "+" : "-")
        + String(abs(e))
    }
    return result
  }
}
