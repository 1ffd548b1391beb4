/// Escapes text for HTML, XML and `<script>` data blocks.
///
/// Everything that comes from threads, fixtures or model responses passes through one of
/// these before it reaches a report file.
public enum Escaping {
  /// Escapes `&`, `<`, `>`, `"` and `'` so `text` is inert in element content and in quoted
  /// attribute values.
  public static func html(_ text: String) -> String {
    var output = ""
    output.reserveCapacity(text.utf8.count)
    for scalar in text.unicodeScalars {
      switch scalar {
      case "&": output += "&amp;"
      case "<": output += "&lt;"
      case ">": output += "&gt;"
      case "\"": output += "&quot;"
      case "'": output += "&#39;"
      default: output.unicodeScalars.append(scalar)
      }
    }
    return output
  }

  /// Escapes `text` for XML 1.0 content and attributes.
  ///
  /// Characters XML 1.0 forbids (C0 controls other than tab, newline and carriage return,
  /// U+FFFE, U+FFFF) cannot be written even as references; they become `\u{XXXX}` text
  /// so the information is kept. Tab, newline and carriage return become references so
  /// attribute values keep them.
  public static func xml(_ text: String) -> String {
    var output = ""
    output.reserveCapacity(text.utf8.count)
    for scalar in text.unicodeScalars {
      switch scalar.value {
      case 0x26: output += "&amp;"
      case 0x3C: output += "&lt;"
      case 0x3E: output += "&gt;"
      case 0x22: output += "&quot;"
      case 0x27: output += "&apos;"
      case 0x09: output += "&#9;"
      case 0x0A: output += "&#10;"
      case 0x0D: output += "&#13;"
      case 0..<0x20, 0xFFFE, 0xFFFF:
        output += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
      default: output.unicodeScalars.append(scalar)
      }
    }
    return output
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
    var plainStart = 0
    var index = 0
    let count = bytes.count
    while index < count {
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
      switch byte {
      case 0x22: output.append(contentsOf: [0x5C, 0x22])
      case 0x5C: output.append(contentsOf: [0x5C, 0x5C])
      case 0x0A: output.append(contentsOf: [0x5C, UInt8(ascii: "n")])
      case 0x0D: output.append(contentsOf: [0x5C, UInt8(ascii: "r")])
      case 0x09: output.append(contentsOf: [0x5C, UInt8(ascii: "t")])
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

  /// Appends `\uXXXX` for `value`, in lowercase hexadecimal.
  private static func appendUnicodeEscape(_ value: UInt32, to output: inout [UInt8]) {
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
