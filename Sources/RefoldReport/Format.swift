import Foundation
import RefoldCore
import RefoldShared

/// Number formatting shared by the writers.
enum Format {
  /// `0.8245` → `82.4%`; nil → `–`.
  static func percent(_ value: Double?, digits: Int = 1) -> String {
    guard let value, value.isFinite else { return "–" }
    return String(format: "%.\(digits)f%%", value * 100)
  }

  /// A signed percentage-point difference: `+3.2 pp`.
  static func points(_ value: Double?, digits: Int = 1) -> String {
    guard let value, value.isFinite else { return "–" }
    let text = String(format: "%+.\(digits)f", value * 100)
    return text + " pp"
  }

  /// `82.4% [78.1–86.0]` for a rate.
  static func rate(_ rate: Rate) -> String {
    guard let value = rate.rate else { return "– (0 cases)" }
    return "\(percent(value)) [\(percent(rate.low))–\(percent(rate.high))]"
  }

  /// A decimal with at most `digits` fraction digits.
  static func decimal(_ value: Double?, digits: Int = 1) -> String {
    guard let value, value.isFinite else { return "–" }
    return String(format: "%.\(digits)f", value)
  }

  /// A p-value: `0.0312`, `< 0.0001`.
  static func pValue(_ value: Double) -> String {
    value < 0.0001 ? "< 0.0001" : String(format: "%.4f", value)
  }

  /// `p = 0.0312` or `p < 0.0001`.
  static func pEquals(_ value: Double) -> String {
    value < 0.0001 ? "p < 0.0001" : "p = " + pValue(value)
  }

  /// A coordinate for SVG: two decimals, no trailing zeros.
  static func coordinate(_ value: Double) -> String {
    let text = String(format: "%.2f", value)
    if text.hasSuffix(".00") { return String(text.dropLast(3)) }
    if text.hasSuffix("0") { return String(text.dropLast()) }
    return text
  }
}
