import RefoldCore

extension Escaping {
  /// Serialises `value` as compact JSON that is safe inside an HTML `<script>` element.
  ///
  /// Object keys are sorted, so the same value gives the same bytes.
  static func appendScriptSafeJSON(_ value: JSONValue, to output: inout [UInt8]) {
    switch value {
    case .null: output.append(contentsOf: "null".utf8)
    case .bool(let flag): output.append(contentsOf: (flag ? "true" : "false").utf8)
    case .int(let number): appendDecimal(number, to: &output)
    case .double(let number): output.append(contentsOf: JSONValue.formatNumber(number).utf8)
    case .string(let text): appendScriptSafeJSONString(text, to: &output)
    case .array(let elements):
      output.append(UInt8(ascii: "["))
      for (offset, element) in elements.enumerated() {
        if offset > 0 { output.append(UInt8(ascii: ",")) }
        appendScriptSafeJSON(element, to: &output)
      }
      output.append(UInt8(ascii: "]"))
    case .object(let members):
      output.append(UInt8(ascii: "{"))
      let sorted = members.sorted { JSONValue.bytesPrecede($0.key, $1.key) }
      for (offset, member) in sorted.enumerated() {
        if offset > 0 { output.append(UInt8(ascii: ",")) }
        appendScriptSafeJSONString(member.key, to: &output)
        output.append(UInt8(ascii: ":"))
        appendScriptSafeJSON(member.value, to: &output)
      }
      output.append(UInt8(ascii: "}"))
    }
  }

  /// Appends `canonical`, a value's canonical JSON with no escapes in it (as
  /// ``EncodedData`` holds), as ``appendScriptSafeJSON(_:to:)`` writes that value: `<`, `>`,
  /// `&`, U+2028 and U+2029 escaped, every other byte copied.
  ///
  /// Those characters are the only ones script-safe JSON escapes that such text can hold
  /// (it has no control characters, quotes or backslashes inside its strings), and they
  /// occur nowhere but in strings.
  static func appendScriptSafeCanonicalJSON(_ canonical: [UInt8], to output: inout [UInt8]) {
    canonical.withUnsafeBufferPointer { bytes in
      guard let base = UnsafeRawPointer(bytes.baseAddress) else { return }
      let count = bytes.count
      var plainStart = 0
      var index = 0
      while index < count {
        index = skipWords(base, from: index, count: count, while: { !mayNeedScriptEscape($0) })
        guard index < count else { break }
        let byte = bytes[index]
        let escaped: UInt32
        switch byte {
        case 0x3C, 0x3E, 0x26: escaped = UInt32(byte)
        case 0xE2
        where index + 2 < count && bytes[index + 1] == 0x80
          && (bytes[index + 2] == 0xA8 || bytes[index + 2] == 0xA9):
          escaped = bytes[index + 2] == 0xA8 ? 0x2028 : 0x2029
        default:
          index += 1
          continue
        }
        if plainStart < index {
          output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[plainStart..<index]))
        }
        appendUnicodeEscape(escaped, to: &output)
        index += escaped > 0xFF ? 3 : 1
        plainStart = index
      }
      if plainStart < count {
        output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[plainStart..<count]))
      }
    }
  }

  /// Whether one of the eight bytes of `word` is `<`, `>`, `&` or the lead byte of U+2028
  /// and U+2029.
  @inline(__always)
  private static func mayNeedScriptEscape(_ word: UInt64) -> Bool {
    let ones: UInt64 = 0x0101_0101_0101_0101
    let highs: UInt64 = 0x8080_8080_8080_8080
    @inline(__always) func equal(_ byte: UInt8) -> UInt64 {
      let value = word ^ (ones &* UInt64(byte))
      return (value &- ones) & ~value & highs
    }
    return (equal(0x3C) | equal(0x3E) | equal(0x26) | equal(0xE2)) != 0
  }

  /// The script-safe compact JSON bytes of `value`.
  static func scriptSafeBytes(_ value: JSONValue) -> [UInt8] {
    var output: [UInt8] = []
    appendScriptSafeJSON(value, to: &output)
    return output
  }

  /// The script-safe compact JSON text of `value`.
  static func scriptSafeJSON(_ value: JSONValue) -> String {
    var output: [UInt8] = []
    appendScriptSafeJSON(value, to: &output)
    return String(decoding: output, as: UTF8.self)
  }
}
