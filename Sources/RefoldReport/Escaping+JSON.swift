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
