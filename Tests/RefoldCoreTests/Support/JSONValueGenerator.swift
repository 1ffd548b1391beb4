import RefoldShared

@testable import RefoldCore

/// Seeded random JSON values, and a noisy (valid but non-canonical) writer for them.
struct JSONValueGenerator {
  var random: SplitMix64

  init(seed: UInt64) { random = SplitMix64(seed: seed) }

  mutating func below(_ bound: Int) -> Int { Int(random.next() % UInt64(bound)) }
  mutating func chance(_ percent: Int) -> Bool { below(100) < percent }

  /// Scalars that stress escaping and key ordering: controls, quotes, slashes, DEL, Latin-1,
  /// line separators, the end of the BMP, emoji.
  static let palette: [Unicode.Scalar] = [
    "a", "b", "z", "A", "Z", "0", "9", " ", "_", "-", ".", "\"", "\\", "/", "\u{0}", "\u{1}",
    "\u{8}", "\u{9}", "\u{A}", "\u{C}", "\u{D}", "\u{1F}", "\u{7F}", "é", "ß", "\u{2028}",
    "€", "中", "\u{FFFD}", "\u{FFFF}", "😀", "𝄞",
  ]

  mutating func string(maxLength: Int = 10) -> String {
    var scalars = String.UnicodeScalarView()
    for _ in 0..<below(maxLength + 1) {
      scalars.append(Self.palette[below(Self.palette.count)])
    }
    return String(scalars)
  }

  mutating func double() -> Double {
    switch below(5) {
    case 0:
      // Any finite bit pattern: subnormals, huge and tiny exponents.
      while true {
        let value = Double(bitPattern: random.next())
        if value.isFinite { return value }
      }
    case 1: return Double(below(2_000_001) - 1_000_000) / 1000
    case 2: return Double(Int64(bitPattern: random.next()) >> Int64(below(60)))
    case 3:
      let exponent = Double(below(60) - 30)
      var power = 1.0
      for _ in 0..<Int(abs(exponent)) { power *= 10 }
      let mantissa = Double(below(999) + 1)
      return exponent < 0 ? mantissa / power : mantissa * power
    default:
      return [0.0, -0.0, 0.1, 0.5, 1e21, 1e-7, .leastNonzeroMagnitude, .greatestFiniteMagnitude][
        below(8)]
    }
  }

  mutating func int() -> Int64 {
    switch below(4) {
    case 0: return Int64(bitPattern: random.next())
    case 1: return [Int64.min, Int64.max, 0, -1, 9_007_199_254_740_993][below(5)]
    default: return Int64(below(20_001)) - 10_000
    }
  }

  mutating func value(depth: Int = 0) -> JSONValue {
    let scalarsOnly = depth >= 4
    switch below(scalarsOnly ? 5 : 7) {
    case 0: return .null
    case 1: return .bool(chance(50))
    case 2: return .int(int())
    case 3: return .double(double())
    case 4: return .string(string())
    case 5: return .array((0..<below(5)).map { _ in value(depth: depth + 1) })
    default:
      var members: [String: JSONValue] = [:]
      for _ in 0..<below(6) { members[string(maxLength: 6)] = value(depth: depth + 1) }
      return .object(members)
    }
  }

  // MARK: Noisy writing

  mutating func whitespace() -> String {
    guard chance(30) else { return "" }
    return (0..<(below(3) + 1)).map { _ in [" ", "\t", "\n", "\r"][below(4)] }.joined()
  }

  mutating func hex(_ value: UInt32) -> String {
    let digits = String(value, radix: 16)
    let padded = String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    return chance(50) ? padded.uppercased() : padded
  }

  /// A valid JSON text for `value` with random whitespace, key order, escapes and number
  /// spellings.
  mutating func noisy(_ value: JSONValue) -> String {
    switch value {
    case .null: return "null"
    case .bool(let flag): return flag ? "true" : "false"
    case .int(let integer): return String(integer)
    case .double(let number):
      // Swift's own spelling: `2.0`, `1e-07`, `5e-324`, `-0.0`; sometimes with a capital E.
      let text = "\(number)"
      return chance(30) ? text.replacingOccurrences(of: "e", with: "E") : text
    case .string(let text): return noisyString(text)
    case .array(let elements):
      let parts = elements.map { whitespace() + noisy($0) + whitespace() }
      return "[" + whitespace() + parts.joined(separator: ",") + "]"
    case .object(let members):
      var keys = Array(members.keys)
      for index in keys.indices.reversed() where index > 0 {
        keys.swapAt(index, below(index + 1))
      }
      let parts = keys.map { key in
        whitespace() + noisyString(key) + whitespace() + ":" + whitespace()
          + noisy(members[key, default: .null]) + whitespace()
      }
      return "{" + whitespace() + parts.joined(separator: ",") + "}"
    }
  }

  mutating func noisyString(_ text: String) -> String {
    var output = "\""
    for scalar in text.unicodeScalars {
      let value = scalar.value
      let short: [UInt32: String] = [
        0x22: "\\\"", 0x5C: "\\\\", 0x2F: "\\/", 0x08: "\\b", 0x0C: "\\f", 0x0A: "\\n",
        0x0D: "\\r", 0x09: "\\t",
      ]
      let mustEscape = value < 0x20 || value == 0x22 || value == 0x5C
      if !mustEscape && chance(70) {
        output.unicodeScalars.append(scalar)
      } else if let escape = short[value], chance(60) {
        output += escape
      } else if value > 0xFFFF {
        let offset = value - 0x10000
        output += "\\u" + hex(0xD800 + (offset >> 10)) + "\\u" + hex(0xDC00 + (offset & 0x3FF))
      } else {
        output += "\\u" + hex(value)
      }
    }
    return output + "\""
  }
}
