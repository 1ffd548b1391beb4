import Foundation
import RefoldCore

/// How one parameter of a decision is compared with the golden decision's.
///
/// Without a matcher every value must be numerically-equal JSON (`3` equals `3.0`; objects
/// must have the same keys; arrays the same length and order).
public enum ParameterMatcher: Sendable, Hashable {
  /// Equal to `value`, or to the golden value when nil.
  case exact(JSONValue?)
  /// Anything, including absence.
  case any
  /// A string matching the regular expression (the whole string must match).
  case regex(String)
  /// Equal to one of the values.
  case oneOf([JSONValue])
  /// A number within `tolerance` (absolute) of `value`, or of the golden value when nil.
  case tolerance(Double, value: Double?)
  /// An object containing every member of `value` (recursively), or an array containing
  /// every element; the golden value when nil.
  case subset(JSONValue?)
  /// A value a judge model accepts under the rubric (the suite's `judge:` model).
  case judge(String)
  /// A string whose embedding has at least `minimum` cosine similarity with the reference's
  /// (the suite's `embeddings:` model).
  case similar(String, minimum: Double)

  /// `exact` against the golden value. (A `nil` literal in `.exact(nil)` would be JSON
  /// `null`, since ``JSONValue`` is nil-expressible: use this.)
  public static let exactGolden = ParameterMatcher.exact(Optional<JSONValue>.none)

  /// `subset` of the golden value.
  public static let subsetOfGolden = ParameterMatcher.subset(Optional<JSONValue>.none)

  /// The matcher's name as written in expectations (`one_of`, …).
  public var name: String {
    switch self {
    case .exact: return "exact"
    case .any: return "any"
    case .regex: return "regex"
    case .oneOf: return "one_of"
    case .tolerance: return "tolerance"
    case .subset: return "subset"
    case .judge: return "judge"
    case .similar: return "similar"
    }
  }

  /// Whether a model decides the match (`judge`, `similar`): the comparison needs a verdict.
  public var isJudged: Bool {
    switch self {
    case .judge, .similar: return true
    default: return false
    }
  }

  /// The least similarity `similar` accepts when the expectations name none.
  public static let defaultMinimumSimilarity = 0.85

  /// Checks `actual` against the matcher; returns why it does not match, or nil.
  public func mismatch(expected golden: JSONValue?, actual: JSONValue?) -> String? {
    switch self {
    case .any:
      return nil
    case .exact(let value):
      let expected = value ?? golden
      switch (expected, actual) {
      case (nil, nil): return nil
      case (nil, .some): return "unexpected parameter"
      case (.some, nil): return "missing"
      case (.some(let expected), .some(let actual)):
        return expected.numericallyEquals(actual) ? nil : "differs"
      }
    case .regex(let pattern):
      guard let text = actual?.stringValue else { return "expected a string matching /\(pattern)/" }
      return ParameterMatcher.wholeMatch(pattern, text)
        ? nil : "does not match /\(pattern)/"
    case .oneOf(let values):
      guard let actual else { return "missing" }
      return values.contains { $0.numericallyEquals(actual) }
        ? nil : "not one of \(JSONValue.array(values).canonicalString)"
    case .tolerance(let tolerance, let value):
      guard let target = value ?? golden?.doubleValue else { return "no expected number" }
      guard let number = actual?.doubleValue else { return "expected a number" }
      return abs(number - target) <= tolerance ? nil : "more than \(tolerance) away from \(target)"
    case .subset(let value):
      guard let expected = value ?? golden else { return nil }
      guard let actual else { return "missing" }
      return ParameterMatcher.contains(actual, expected)
        ? nil : "does not contain the expected value"
    case .judge, .similar:
      return "no verdict: the suite names no \(self.name == "judge" ? "judge" : "embeddings") model"
    }
  }

  /// Whether `container` contains `part`: objects by member (recursively), arrays by element.
  static func contains(_ container: JSONValue, _ part: JSONValue) -> Bool {
    switch (container, part) {
    case (.object(let whole), .object(let members)):
      for (key, value) in members {
        guard let present = whole[key], contains(present, value) else { return false }
      }
      return true
    case (.array(let whole), .array(let elements)):
      return elements.allSatisfy { element in whole.contains { contains($0, element) } }
    default:
      return container.numericallyEquals(part)
    }
  }

  static func wholeMatch(_ pattern: String, _ text: String) -> Bool {
    guard let expression = try? NSRegularExpression(pattern: "^(?:" + pattern + ")$") else {
      return false
    }
    let range = NSRange(text.startIndex..., in: text)
    return expression.firstMatch(in: text, range: range) != nil
  }

  /// Whether `pattern` compiles as a regular expression.
  static func isValidPattern(_ pattern: String) -> Bool {
    (try? NSRegularExpression(pattern: pattern)) != nil
  }
}
