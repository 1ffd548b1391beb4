import Testing

@testable import RefoldCore

@Suite struct CanonicalJSONTests {
  // 123456789012345678901234 parses to the double 123456789012345685803008, whose shortest
  // closest digits are 1.2345678901234569e+23 (node's `String(123456789012345678901234)` and
  // Python's `repr(float(...))` print the same).
  @Test(arguments: [
    (#"{"b":1,"a":[true,null,"x"]}"#, #"{"a":[true,null,"x"],"b":1}"#),
    (#"{ "z" : 2.0 , "y" : -0.5 }"#, #"{"y":-0.5,"z":2}"#),
    (
      #"[1e-7, 1.5e20, 1e21, 123456789012345678901234]"#,
      #"[1e-7,150000000000000000000,1e+21,1.2345678901234569e+23]"#
    ),
    (#""line\nbreak \u00e9 \ud83d\ude00 \u0001""#, "\"line\\nbreak é 😀 \\u0001\""),
  ])
  func canonicalForm(input: String, expected: String) throws {
    let value = try JSONParser.parse(input)
    #expect(value.canonicalString == expected)
    let reparsed = try JSONParser.parse(value.canonicalString)
    #expect(reparsed.canonicalString == expected)
  }

  @Test(arguments: [
    (#"{"a":1,"a":2}"#, "duplicate key"),
    (#"[1,2"#, "unterminated array"),
    (#"01"#, "leading zero"),
    (#"{"a":1} x"#, "after the JSON value"),
    ("\"tab\there\"", "control character"),
  ])
  func rejectsMalformed(input: String, reason: String) {
    #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(input) }
    do {
      _ = try JSONParser.parse(input)
    } catch {
      #expect(error.reason.contains(reason))
    }
  }
}
