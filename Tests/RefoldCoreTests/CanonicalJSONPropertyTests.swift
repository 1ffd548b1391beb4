import Testing

@testable import RefoldCore

/// Canonical JSON over many generated values, RFC 8785's number table, and escaping.
@Suite struct CanonicalJSONPropertyTests {
  @Test(arguments: [UInt64(1), 2, 3, 0x5EED, 0xDEAD_BEEF])
  func roundTripsAndIsUnique(seed: UInt64) throws {
    var generator = JSONValueGenerator(seed: seed)
    for _ in 0..<400 {
      let value = generator.value()
      let canonical = value.canonicalString
      let reparsed = try JSONParser.parse(canonical)
      // Same value back (integral doubles come back as integers, -0 as 0).
      #expect(reparsed.numericallyEquals(value), "\(canonical)")
      // Idempotent.
      #expect(reparsed.canonicalString == canonical)
      // No raw control characters, so no insignificant whitespace but spaces inside strings.
      #expect(!canonical.utf8.contains { $0 < 0x20 }, "\(canonical)")
      // Any valid spelling of the same value has the same canonical form.
      let noisy = generator.noisy(value)
      let fromNoisy = try JSONParser.parse(noisy)
      #expect(fromNoisy.canonicalString == canonical, "\(noisy)")
    }
  }

  @Test(arguments: [UInt64(11), 12, 13])
  func eventLinesAreByteStable(seed: UInt64) throws {
    var generator = JSONValueGenerator(seed: seed)
    for index in 0..<300 {
      var meta: JSONValue?
      if generator.chance(40) { meta = .object(["key": .string(generator.string())]) }
      let event = Event(
        thread: "thread-" + generator.string(maxLength: 4), seq: index,
        type: generator.chance(50) ? "deploy_backend" : "slack_message",
        data: generator.value(depth: 2),
        at: generator.chance(80) ? "2026-11-20T10:00:\(10 + index % 50)Z" : nil,
        id: generator.chance(30) ? "id-\(index)" : nil, meta: meta)
      let line = event.jsonLine
      let parsed = try EventLine.parse(line).event(seq: -1)
      #expect(parsed.jsonLine == line)
      #expect(parsed.seq == index)
      #expect(try JSONParser.parse(line).canonicalString == event.jsonValue.canonicalString)
    }
  }

  @Test(arguments: [UInt64(21), 22])
  func numbersRoundTripInECMAScriptShape(seed: UInt64) throws {
    var generator = JSONValueGenerator(seed: seed)
    for _ in 0..<2000 {
      let number = generator.double()
      let text = JSONValue.formatNumber(number)
      let back = try #require(Double(text), "\(text)")
      #expect(back == number || (back == 0 && number == 0), "\(number) → \(text)")
      let magnitude = abs(number)
      if magnitude == 0 || (magnitude >= 1e-6 && magnitude < 1e21) {
        #expect(!text.contains("e"), "\(number) → \(text)")
      } else {
        #expect(text.contains("e+") || text.contains("e-"), "\(number) → \(text)")
      }
      #expect(!text.hasPrefix("+") && !text.contains(".e") && !text.hasSuffix("."))
      if let point = text.firstIndex(of: "."), !text.contains("e") {
        #expect(text.last != "0", "\(text) has a trailing zero")
        #expect(text.distance(from: point, to: text.endIndex) > 1)
      }
      let digits = text.prefix { $0 != "e" }.filter(\.isNumber).drop { $0 == "0" }
      #expect(digits.count <= 17 || !text.contains("e"), "\(text): too many digits")
    }
  }

  /// RFC 8785 Appendix B: IEEE 754 bit patterns and their ECMAScript spelling (checked with
  /// `node -e 'console.log(String(Buffer.from(HEX, "hex").readDoubleBE(0)))'`).
  @Test(arguments: [
    (UInt64(0x0000_0000_0000_0000), "0"),
    (0x8000_0000_0000_0000, "0"),
    (0x0000_0000_0000_0001, "5e-324"),
    (0x8000_0000_0000_0001, "-5e-324"),
    (0x7FEF_FFFF_FFFF_FFFF, "1.7976931348623157e+308"),
    (0xFFEF_FFFF_FFFF_FFFF, "-1.7976931348623157e+308"),
    (0x4340_0000_0000_0000, "9007199254740992"),
    (0xC340_0000_0000_0000, "-9007199254740992"),
    (0x4430_0000_0000_0000, "295147905179352830000"),
    (0x44B5_2D02_C7E1_4AF5, "9.999999999999997e+22"),
    (0x44B5_2D02_C7E1_4AF6, "1e+23"),
    (0x44B5_2D02_C7E1_4AF7, "1.0000000000000001e+23"),
    (0x444B_1AE4_D6E2_EF4E, "999999999999999700000"),
    (0x444B_1AE4_D6E2_EF4F, "999999999999999900000"),
    (0x444B_1AE4_D6E2_EF50, "1e+21"),
    (0x3EB0_C6F7_A0B5_ED8C, "9.999999999999997e-7"),
    (0x3EB0_C6F7_A0B5_ED8D, "0.000001"),
    (0x41B3_DE43_5555_5553, "333333333.3333332"),
    (0x41B3_DE43_5555_5554, "333333333.33333325"),
    (0x41B3_DE43_5555_5555, "333333333.3333333"),
    (0x41B3_DE43_5555_5556, "333333333.3333334"),
    (0x41B3_DE43_5555_5557, "333333333.33333343"),
    (0xBECB_F647_612F_3696, "-0.0000033333333333333333"),
    (0x4314_3FF3_C1CB_0959, "1424953923781206.2"),
  ])
  func rfc8785NumberTable(bits: UInt64, expected: String) {
    let value = Double(bitPattern: bits)
    #expect(JSONValue.formatNumber(value) == expected)
    #expect(JSONValue.double(value).canonicalString == expected)
  }

  @Test(arguments: [
    ("1e21", "1e+21"), ("1E21", "1e+21"), ("1e-7", "1e-7"), ("0.1", "0.1"), ("-0", "0"),
    ("-0.0", "0"), ("5e-324", "5e-324"), ("1.7976931348623157e308", "1.7976931348623157e+308"),
    ("9007199254740993", "9007199254740993"), ("-9223372036854775808", "-9223372036854775808"),
    ("9223372036854775807", "9223372036854775807"), ("9223372036854775808", "9223372036854776000"),
    ("2.0", "2"), ("1e20", "100000000000000000000"), ("1e-6", "0.000001"),
    ("123e-20", "1.23e-18"), ("0.000001234", "0.000001234"), ("-1.5", "-1.5"), ("4.35", "4.35"),
    ("2.5e-5", "0.000025"), ("1e15", "1000000000000000"), ("1e16", "10000000000000000"),
    ("123456.789", "123456.789"), ("100", "100"), ("1.0e2", "100"),
  ])
  func numberSpellings(input: String, expected: String) throws {
    #expect(try JSONParser.parse(input).canonicalString == expected)
  }

  @Test func integersStayExact() throws {
    let value = try JSONParser.parse("[9007199254740993,-9007199254740993,12345678901234567]")
    #expect(value == [9_007_199_254_740_993, -9_007_199_254_740_993, 12_345_678_901_234_567])
    #expect(value.canonicalString == "[9007199254740993,-9007199254740993,12345678901234567]")
  }

  @Test(arguments: [
    ("\u{0}", #""\u0000""#), ("\u{1F}", #""\u001f""#), ("\u{7F}", "\"\u{7F}\""),
    ("\"", #""\"""#), ("\\", #""\\""#), ("/", #""/""#), ("\u{8}\u{C}\n\r\t", #""\b\f\n\r\t""#),
    ("\u{2028}\u{2029}", "\"\u{2028}\u{2029}\""), ("é😀", "\"é😀\""),
  ])
  func stringEscaping(text: String, expected: String) throws {
    #expect(JSONValue.string(text).canonicalString == expected)
    #expect(try JSONParser.parse(expected) == .string(text))
  }

  /// RFC 8785 §3.2.2.2's string example.
  @Test func rfc8785StringExample() throws {
    let input = #""\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/""#
    #expect(try JSONParser.parse(input).canonicalString == #""€$\u000f\nA'B\"\\\\\"/""#)
  }

  /// Keys sort by UTF-8 bytes, which is code point order. (RFC 8785 sorts by UTF-16 code
  /// units; the two differ only between U+E000–U+FFFF and astral keys, as the last pair shows.)
  @Test func keysSortByCodePoint() throws {
    let value = try JSONParser.parse(
      #"{"b":1,"a":2,"B":3,"é":4,"aa":5,"":6,"😀":7,"\ufffd":8,"1":9}"#)
    #expect(value.canonicalString == #"{"":6,"1":9,"B":3,"a":2,"aa":5,"b":1,"é":4,"�":8,"😀":7}"#)
  }

  @Test func nestedObjectsSortAtEveryLevel() throws {
    let value = try JSONParser.parse(#"{"z":{"y":[{"b":1,"a":2}],"x":null},"a":[]}"#)
    #expect(value.canonicalString == #"{"a":[],"z":{"x":null,"y":[{"a":2,"b":1}]}}"#)
  }

  @Test func stringsAreEscapedWhereverTheEscapeFalls() {
    // Every escape at every offset of strings around the eight-byte word size, between
    // ASCII and multi-byte characters.
    func reference(_ text: String) -> String {
      var output = "\""
      for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": output += "\\\""
        case "\\": output += "\\\\"
        case "\n": output += "\\n"
        case "\r": output += "\\r"
        case "\t": output += "\\t"
        case "\u{8}": output += "\\b"
        case "\u{C}": output += "\\f"
        case "\u{0}"..."\u{1F}":
          let hex = String(scalar.value, radix: 16)
          output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        default: output.unicodeScalars.append(scalar)
        }
      }
      return output + "\""
    }
    for special in ["\"", "\\", "\n", "\u{1}", "\u{1F}", "\u{7F}", "é", "😀", " ", "~"] {
      for length in 0..<20 {
        for position in 0...length {
          var characters = Array(repeating: Character("a"), count: length)
          characters.insert(Character(special), at: position)
          let text = String(characters) + (length % 3 == 0 ? "ü" : "")
          #expect(
            JSONValue.string(text).canonicalString == reference(text), "\(text.debugDescription)")
        }
      }
    }
  }
}
