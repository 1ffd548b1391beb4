import Testing

@testable import RefoldCore

/// The parser refuses what RFC 8259 refuses and says where (1-based column).
@Suite struct JSONParserErrorTests {
  @Test(arguments: [
    ("", 1, "unexpected end of input"),
    ("   ", 4, "unexpected end of input"),
    ("[1,]", 4, "unexpected character ']'"),
    (#"{"a" 1}"#, 6, "expected ':' after an object key"),
    (#"{"a":1,"a":2}"#, 8, "duplicate key \"a\""),
    ("[1 2]", 4, "expected ',' or ']' in an array"),
    (#"{"a":1 "b":2}"#, 8, "expected ',' or '}' in an object"),
    ("{1:2}", 2, "expected a string key"),
    ("tru", 1, "invalid literal"),
    ("nul", 1, "invalid literal"),
    ("falsy", 1, "invalid literal"),
    (#""abc"#, 5, "unterminated string"),
    ("-", 2, "invalid number"),
    ("-a", 2, "invalid number"),
    ("1.", 3, "expected a digit after '.'"),
    ("1e", 3, "expected a digit in an exponent"),
    ("1e+", 4, "expected a digit in an exponent"),
    ("01", 2, "leading zero in a number"),
    ("-01", 3, "leading zero in a number"),
    ("1e400", 1, "number out of range"),
    (#"{"a":1}}"#, 8, "unexpected content after the JSON value"),
    ("[1] [2]", 5, "unexpected content after the JSON value"),
    (#""\x""#, 2, "invalid escape '\\x'"),
    (#""\u12G4""#, 6, "invalid hex digit in a \\u escape"),
    (#""\ud800""#, 2, "unpaired surrogate in a \\u escape"),
    (#""\udc00""#, 2, "unpaired surrogate in a \\u escape"),
    (#""\ud800\u0041""#, 8, "invalid low surrogate in a \\u escape"),
    ("\"a\u{1}\"", 3, "control character in a string"),
    ("\"a\\n\u{1}\"", 5, "control character in a string"),
    ("[1,\n2,]", 7, "unexpected character ']'"),
    ("{", 2, "expected a string key"),
    ("[", 2, "unexpected end of input"),
    ("[1", 3, "unterminated array"),
    (#"{"a":1"#, 7, "unterminated object"),
    ("NaN", 1, "unexpected character 'N'"),
    ("'a'", 1, "unexpected character '''"),
  ])
  func reportsReasonAndColumn(input: String, column: Int, reason: String) {
    do {
      let value = try JSONParser.parse(input)
      Issue.record("parsed \(input) as \(value)")
    } catch {
      #expect(error.reason == reason, "\(input)")
      #expect(error.column == column, "\(input): \(error)")
      #expect(error.description == "column \(error.column): \(error.reason)")
    }
  }

  @Test func nestingLimit() throws {
    let deepest =
      String(repeating: "[", count: JSONParser.maximumDepth)
      + String(repeating: "]", count: JSONParser.maximumDepth)
    #expect(throws: Never.self) { try JSONParser.parse(deepest) }
    let tooDeep = "[" + deepest + "]"
    #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(tooDeep) }
    do {
      _ = try JSONParser.parse(tooDeep)
    } catch {
      #expect(error.reason == "nesting too deep")
      #expect(error.column == JSONParser.maximumDepth + 1)
    }
  }

  @Test func invalidUTF8InAString() {
    let bytes: [UInt8] = [0x5B, 0x22, 0x61, 0xFF, 0x62, 0x22, 0x5D]
    #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(bytes: bytes) }
    do {
      _ = try JSONParser.parse(bytes: bytes)
    } catch {
      #expect(error.reason == "invalid UTF-8 in a string")
      #expect(error.column == 2)
    }
    let escaped: [UInt8] = Array(#"["\n"#.utf8) + [0xC3, 0x28, 0x22, 0x5D]
    #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(bytes: escaped) }
  }

  @Test func acceptsWhatRFC8259Allows() throws {
    #expect(try JSONParser.parse(" \t\r\n{ \"a\" : [ ] , \"b\" : { } }\n ") == ["a": [], "b": [:]])
    #expect(try JSONParser.parse("\"\\/\"") == "/")
    #expect(try JSONParser.parse("\"\\ud83d\\ude00\"") == "😀")
    #expect(try JSONParser.parse("-0.5E-2") == .double(-0.005))
    #expect(try JSONParser.parse("123") == .int(123))
    #expect(try JSONParser.parse("1.5") == .double(1.5))
    #expect(try JSONParser.parse("[true,false,null]") == [true, false, nil])
  }
}
