import RefoldCore
import Testing

@testable import RefoldReport

/// The escapes that copy runs of plain bytes whole give what escaping a character at a time
/// gives, on text full of every character they treat specially.
@Suite struct EscapingTests {
  /// Characters each escape treats specially, their neighbours, and plain text.
  static let alphabet: [String] = [
    "a", "Z", " ", "0", "é", "\u{2028}", "\u{2029}", "\u{2026}", "\u{2027}", "\u{202A}", "<",
    ">", "&", "\"", "'", "\\", "/", "\n", "\r", "\t", "\u{0}", "\u{1B}", "\u{1F}", "\u{7F}",
    "\u{FFFE}", "\u{FFFF}", "\u{FEFF}", "\u{FFFD}", "😀", "plain text of some length",
  ]

  /// Texts of every length up to 40 characters, drawn with a fixed seed.
  static func texts() -> [String] {
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    func next(_ bound: Int) -> Int {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Int((state >> 33) % UInt64(bound))
    }
    var texts = [""] + alphabet + alphabet.map { String(repeating: $0, count: 9) }
    for length in 1...40 {
      for _ in 0..<25 {
        texts.append((0..<length).map { _ in alphabet[next(alphabet.count)] }.joined())
      }
    }
    return texts
  }

  /// Script-safe JSON a byte at a time, as the report escaped it before.
  static func scriptSafeOneByOne(_ text: String) -> [UInt8] {
    var output: [UInt8] = [UInt8(ascii: "\"")]
    let hex = Array("0123456789abcdef".utf8)
    func unicodeEscape(_ value: UInt32) {
      output.append(contentsOf: [0x5C, UInt8(ascii: "u")])
      for shift in stride(from: 12, through: 0, by: -4) {
        output.append(hex[Int((value >> UInt32(shift)) & 0xF)])
      }
    }
    let bytes = Array(text.utf8)
    var index = 0
    while index < bytes.count {
      let byte = bytes[index]
      switch byte {
      case 0x22: output.append(contentsOf: [0x5C, 0x22])
      case 0x5C: output.append(contentsOf: [0x5C, 0x5C])
      case 0x0A: output.append(contentsOf: [0x5C, UInt8(ascii: "n")])
      case 0x0D: output.append(contentsOf: [0x5C, UInt8(ascii: "r")])
      case 0x09: output.append(contentsOf: [0x5C, UInt8(ascii: "t")])
      case 0..<0x20, 0x3C, 0x3E, 0x26: unicodeEscape(UInt32(byte))
      case 0xE2
      where index + 2 < bytes.count && bytes[index + 1] == 0x80
        && (bytes[index + 2] == 0xA8 || bytes[index + 2] == 0xA9):
        unicodeEscape(bytes[index + 2] == 0xA8 ? 0x2028 : 0x2029)
        index += 2
      default: output.append(byte)
      }
      index += 1
    }
    output.append(UInt8(ascii: "\""))
    return output
  }

  /// XML a character at a time, as the report escaped it before.
  static func xmlOneByOne(_ text: String) -> String {
    var output = ""
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

  /// HTML a character at a time, as the report escaped it before.
  static func htmlOneByOne(_ text: String) -> String {
    var output = ""
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

  @Test func scriptSafeStringsAreWhatEscapingAByteAtATimeGave() {
    for text in Self.texts() {
      var output: [UInt8] = [UInt8(ascii: "[")]
      Escaping.appendScriptSafeJSONString(text, to: &output)
      #expect(
        Array(output.dropFirst()) == Self.scriptSafeOneByOne(text), "\(text.debugDescription)")
    }
  }

  /// Canonical JSON with no escapes, made script-safe as bytes, is what writing its value
  /// script-safe gives.
  @Test func scriptSafeCanonicalBytesAreWhatWritingTheValueGave() {
    var checked = 0
    for (offset, text) in Self.texts().enumerated() {
      let value = JSONValue.object([
        text: .string(text), "list": .array([.string(text), .int(Int64(offset)), .double(0.5)]),
        "nested": .object(["<&>": .string(text + "\u{2029}"), "n": .null]),
      ])
      var canonical: [UInt8] = []
      value.writeCanonical(into: &canonical)
      // The kept bytes of an event never hold an escape.
      guard !canonical.contains(0x5C) else { continue }
      checked += 1
      var copied: [UInt8] = [UInt8(ascii: "[")]
      Escaping.appendScriptSafeCanonicalJSON(canonical, to: &copied)
      var written: [UInt8] = [UInt8(ascii: "[")]
      Escaping.appendScriptSafeJSON(value, to: &written)
      #expect(copied == written, "\(text.debugDescription)")
    }
    #expect(checked > 100)
  }

  @Test func xmlAndHTMLAreWhatEscapingACharacterAtATimeGave() {
    for text in Self.texts() {
      #expect(Escaping.xml(text) == Self.xmlOneByOne(text), "\(text.debugDescription)")
      #expect(Escaping.html(text) == Self.htmlOneByOne(text), "\(text.debugDescription)")
    }
  }

  @Test(arguments: [0, 7, -7, 10, 99, -100, Int(Int64.max), Int(Int64.min), 1_000_000_007])
  func decimalsAreWhatStringSpells(_ value: Int) {
    var output: [UInt8] = []
    Escaping.appendDecimal(value, to: &output)
    #expect(String(decoding: output, as: UTF8.self) == String(value))
  }
}
