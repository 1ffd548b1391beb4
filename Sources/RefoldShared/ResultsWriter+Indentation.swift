extension ResultsWriter {
  /// Appends compact JSON `input` to `output` indented as `JSONEncoder`'s `.prettyPrinted`
  /// writes it, for a value that starts `depth` levels deep.
  ///
  /// Two spaces a level, `" : "` between a key and its value, every member and element on a
  /// line of its own, an empty array or object as an opening line, an empty line and a
  /// closing line (as `JSONEncoder` writes them). Only bytes outside strings are touched.
  static func indent(_ input: [UInt8], depth: Int, into output: inout [UInt8]) {
    output.reserveCapacity(output.count + input.count + input.count / 2)
    var level = depth
    var inString = false
    var escaped = false
    var index = 0
    func newline(_ level: Int) {
      output.append(UInt8(ascii: "\n"))
      for _ in 0..<(level * 2) { output.append(UInt8(ascii: " ")) }
    }
    while index < input.count {
      let byte = input[index]
      index += 1
      if inString {
        output.append(byte)
        if escaped {
          escaped = false
        } else if byte == UInt8(ascii: "\\") {
          escaped = true
        } else if byte == UInt8(ascii: "\"") {
          inString = false
        }
        continue
      }
      switch byte {
      case UInt8(ascii: "\""):
        inString = true
        output.append(byte)
      case UInt8(ascii: "{"), UInt8(ascii: "["):
        output.append(byte)
        level += 1
        let next = index < input.count ? input[index] : 0
        if next == UInt8(ascii: "}") || next == UInt8(ascii: "]") {
          output.append(UInt8(ascii: "\n"))
        } else {
          newline(level)
        }
      case UInt8(ascii: "}"), UInt8(ascii: "]"):
        level -= 1
        newline(level)
        output.append(byte)
      case UInt8(ascii: ","):
        output.append(byte)
        newline(level)
      case UInt8(ascii: ":"):
        output += [UInt8(ascii: " "), UInt8(ascii: ":"), UInt8(ascii: " ")]
      default:
        output.append(byte)
      }
    }
  }
}
