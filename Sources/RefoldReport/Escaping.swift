/// Escapes text for HTML, XML and `<script>` data blocks.
///
/// Everything that comes from threads, fixtures or model responses passes through one of
/// these before it reaches a report file.
public enum Escaping {
  /// Escapes `&`, `<`, `>`, `"` and `'` so `text` is inert in element content and in quoted
  /// attribute values.
  public static func html(_ text: String) -> String {
    let escapes = { (byte: UInt8) in
      byte == 0x26 || byte == 0x3C || byte == 0x3E || byte == 0x22 || byte == 0x27
    }
    return escaped(text, escapes: escapes) { byte, _, output in
      switch byte {
      case 0x26: output.append(contentsOf: "&amp;".utf8)
      case 0x3C: output.append(contentsOf: "&lt;".utf8)
      case 0x3E: output.append(contentsOf: "&gt;".utf8)
      case 0x22: output.append(contentsOf: "&quot;".utf8)
      case 0x27: output.append(contentsOf: "&#39;".utf8)
      default: return 0
      }
      return 1
    }
  }

  /// Escapes `text` for XML 1.0 content and attributes.
  ///
  /// Characters XML 1.0 forbids (C0 controls other than tab, newline and carriage return,
  /// U+FFFE, U+FFFF) cannot be written even as references; they become `\u{XXXX}` text
  /// so the information is kept. Tab, newline and carriage return become references so
  /// attribute values keep them.
  public static func xml(_ text: String) -> String {
    let escapes = { (byte: UInt8) in
      byte < 0x20 || byte == 0x26 || byte == 0x3C || byte == 0x3E || byte == 0x22
        || byte == 0x27 || byte == 0xEF
    }
    return escaped(text, escapes: escapes) { byte, rest, output in
      switch byte {
      case 0x26: output.append(contentsOf: "&amp;".utf8)
      case 0x3C: output.append(contentsOf: "&lt;".utf8)
      case 0x3E: output.append(contentsOf: "&gt;".utf8)
      case 0x22: output.append(contentsOf: "&quot;".utf8)
      case 0x27: output.append(contentsOf: "&apos;".utf8)
      case 0x09: output.append(contentsOf: "&#9;".utf8)
      case 0x0A: output.append(contentsOf: "&#10;".utf8)
      case 0x0D: output.append(contentsOf: "&#13;".utf8)
      case 0..<0x20:
        output.append(contentsOf: "\\u{".utf8)
        output.append(contentsOf: String(byte, radix: 16, uppercase: true).utf8)
        output.append(UInt8(ascii: "}"))
      case 0xEF
      where rest.count >= 3 && rest[rest.startIndex + 1] == 0xBF
        && (rest[rest.startIndex + 2] == 0xBE || rest[rest.startIndex + 2] == 0xBF):
        // U+FFFE and U+FFFF.
        let last = rest[rest.startIndex + 2]
        output.append(contentsOf: (last == 0xBE ? "\\u{FFFE}" : "\\u{FFFF}").utf8)
        return 3
      default: return 0
      }
      return 1
    }
  }

  /// The text with the bytes that `escapes` picks replaced by `replace`.
  ///
  /// `replace` appends a byte's replacement (given the text from that byte on) and returns
  /// how many bytes it replaced, or 0 to keep the byte. Text with nothing to replace is
  /// returned as it is.
  private static func escaped(
    _ text: String, escapes: (UInt8) -> Bool,
    replace: (UInt8, UnsafeBufferPointer<UInt8>.SubSequence, inout [UInt8]) -> Int
  ) -> String {
    var source = text
    return source.withUTF8 { bytes in
      var output: [UInt8] = []
      var plainStart = 0
      var index = 0
      while index < bytes.count {
        let byte = bytes[index]
        guard escapes(byte) else {
          index += 1
          continue
        }
        if output.isEmpty { output.reserveCapacity(bytes.count + 16) }
        output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[plainStart..<index]))
        let replaced = replace(byte, bytes[index...], &output)
        if replaced == 0 { output.append(byte) }
        index += max(1, replaced)
        plainStart = index
      }
      guard plainStart > 0 else { return text }
      output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[plainStart...]))
      return String(decoding: output, as: UTF8.self)
    }
  }

  /// Appends a JSON string literal that is safe inside an HTML `<script>` element.
  ///
  /// Besides JSON's own escapes, `<`, `>` and `&` become `\u003c`, `\u003e`, `\u0026`, and
  /// U+2028/U+2029 are escaped, so no string can close the script or open a comment.
  static func appendScriptSafeJSONString(_ text: String, to output: inout [UInt8]) {
    let done: Void? = text.utf8.withContiguousStorageIfAvailable { bytes in
      appendScriptSafeJSONString(utf8: bytes, to: &output)
    }
    if done == nil {
      Array(text.utf8).withUnsafeBufferPointer { appendScriptSafeJSONString(utf8: $0, to: &output) }
    }
  }

  /// Appends the script-safe JSON string literal of the UTF-8 text `bytes`.
  ///
  /// Runs of bytes that need no escape are copied whole.
  static func appendScriptSafeJSONString(
    utf8 bytes: UnsafeBufferPointer<UInt8>, to output: inout [UInt8]
  ) {
    output.append(UInt8(ascii: "\""))
    guard let base = UnsafeRawPointer(bytes.baseAddress) else {
      output.append(UInt8(ascii: "\""))
      return
    }
    var plainStart = 0
    var index = 0
    let count = bytes.count
    while index < count {
      index = skipWords(base, from: index, count: count, while: { !mayNeedEscape($0) })
      guard index < count else { break }
      let byte = bytes[index]
      switch byte {
      case 0x22, 0x5C, 0x3C, 0x3E, 0x26, 0..<0x20: break
      case 0xE2
      where index + 2 < count && bytes[index + 1] == 0x80
        && (bytes[index + 2] == 0xA8 || bytes[index + 2] == 0xA9):
        break
      default:
        index += 1
        continue
      }
      if plainStart < index {
        output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[plainStart..<index]))
      }
      // Two appends rather than an array of two: nothing is allocated for an escape.
      switch byte {
      case 0x22, 0x5C:
        output.append(0x5C)
        output.append(byte)
      case 0x0A:
        output.append(0x5C)
        output.append(UInt8(ascii: "n"))
      case 0x0D:
        output.append(0x5C)
        output.append(UInt8(ascii: "r"))
      case 0x09:
        output.append(0x5C)
        output.append(UInt8(ascii: "t"))
      case 0xE2:
        // U+2028 and U+2029.
        appendUnicodeEscape(bytes[index + 2] == 0xA8 ? 0x2028 : 0x2029, to: &output)
        index += 2
      default: appendUnicodeEscape(UInt32(byte), to: &output)
      }
      index += 1
      plainStart = index
    }
    if plainStart < count {
      output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[plainStart..<count]))
    }
    output.append(UInt8(ascii: "\""))
  }

  /// `index` moved on eight bytes at a time while the eight bytes there are `plain`.
  @inline(__always)
  static func skipWords(
    _ base: UnsafeRawPointer, from index: Int, count: Int, while plain: (UInt64) -> Bool
  ) -> Int {
    var index = index
    while index + 8 <= count, plain(base.loadUnaligned(fromByteOffset: index, as: UInt64.self)) {
      index += 8
    }
    return index
  }

  /// Whether one of the eight bytes of `word` is one that script-safe JSON escapes (a
  /// control character, `"`, `\`, `<`, `>`, `&`) or the lead byte of U+2028 and U+2029.
  @inline(__always)
  private static func mayNeedEscape(_ word: UInt64) -> Bool {
    let ones: UInt64 = 0x0101_0101_0101_0101
    let highs: UInt64 = 0x8080_8080_8080_8080
    // A byte below 0x20, or (after an exclusive or) a byte of zero; exact for any word.
    @inline(__always) func below(_ value: UInt64, _ limit: UInt8) -> UInt64 {
      (value &- ones &* UInt64(limit)) & ~value & highs
    }
    @inline(__always) func equal(_ byte: UInt8) -> UInt64 {
      below(word ^ (ones &* UInt64(byte)), 1)
    }
    let found =
      below(word, 0x20) | equal(0x22) | equal(0x5C) | equal(0x3C) | equal(0x3E) | equal(0x26)
      | equal(0xE2)
    return found != 0
  }

  /// Appends `\uXXXX` for `value`, in lowercase hexadecimal.
  static func appendUnicodeEscape(_ value: UInt32, to output: inout [UInt8]) {
    output.append(0x5C)
    output.append(UInt8(ascii: "u"))
    for shift in stride(from: 12, through: 0, by: -4) {
      let digit = UInt8(truncatingIfNeeded: (value >> UInt32(shift)) & 0xF)
      output.append(digit < 10 ? 0x30 + digit : 0x57 + digit)
    }
  }

  /// Appends the decimal digits of `value` (with a minus sign when it is negative), as
  /// `String(value)` spells it.
  static func appendDecimal(_ value: Int64, to output: inout [UInt8]) {
    guard value != 0 else {
      output.append(UInt8(ascii: "0"))
      return
    }
    if value < 0 { output.append(UInt8(ascii: "-")) }
    var magnitude = value.magnitude
    var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)
    var count = 0
    withUnsafeMutableBytes(of: &digits) { buffer in
      while magnitude > 0 {
        buffer[count] = 0x30 + UInt8(truncatingIfNeeded: magnitude % 10)
        magnitude /= 10
        count += 1
      }
      for position in stride(from: count - 1, through: 0, by: -1) {
        output.append(buffer[position])
      }
    }
  }

  /// Appends the decimal digits of `value`, as `String(value)` spells it.
  static func appendDecimal(_ value: Int, to output: inout [UInt8]) {
    appendDecimal(Int64(value), to: &output)
  }
}
