import Foundation
import RefoldCore
import RefoldModels

/// One redaction rule of a suite: a regular expression, a JSON path, or both.
///
/// ```yaml
/// redaction:
///   - {pattern: "[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}", replace: "<email>"}
///   - {pattern: "sk-[A-Za-z0-9_-]{8,}", replace: "<api-key>"}
///   - {path: $.data.customer_id, replace: "<customer>"}
///   - {path: data.text, pattern: "@[a-z]+", replace: "@someone"}
/// ```
///
/// - `pattern` alone: every match in every string of an event's `data` and of an exchange's
///   request and response is replaced.
/// - `path` alone: the whole value at that path of an event is replaced by the `replace`
///   string; the values it removed are also replaced wherever they appear verbatim in
///   the thread's other events and exchanges (a customer id repeated in a prompt).
/// - both: the matches inside the value at the path are replaced, and the texts they
///   matched are then replaced wherever else they appear verbatim, as for `path` alone, so
///   the fixture and its cassette stay consistent.
///
/// Paths: `$.data.email`, `data.email` (the `$.` is optional), `data.users[0].email`,
/// `data.users[*].email`, `data.*`. `replace` defaults to `[REDACTED]`.
public struct RedactionRule: Sendable {
  /// One step of a path.
  public enum Step: Sendable, Hashable {
    case key(String)
    case index(Int)
    /// Every member of an object or element of an array.
    case wildcard
  }

  public var pattern: String?
  public var path: [Step]?
  public var replacement: String
  private let expression: RegexBox?

  /// The default replacement.
  public static let defaultReplacement = "[REDACTED]"

  public init(pattern: String? = nil, path: String? = nil, replacement: String = defaultReplacement)
    throws(ServerError)
  {
    guard pattern != nil || path != nil else {
      throw .invalidRedaction(file: "", rule: 0, reason: "a rule needs a pattern, a path or both")
    }
    self.pattern = pattern
    self.replacement = replacement
    if let pattern {
      do {
        expression = RegexBox(try NSRegularExpression(pattern: pattern))
      } catch {
        throw .invalidRedaction(
          file: "", rule: 0, reason: "\"\(pattern)\" is not a valid regular expression")
      }
    } else {
      expression = nil
    }
    self.path = try path.map { text throws(ServerError) in try Self.parsePath(text) }
  }

  /// The rules of a suite's `redaction:` list, as written in the suite file.
  ///
  /// - Throws: ``ServerError/invalidRedaction(file:rule:reason:)`` naming the file and line
  ///   of the rule and its index.
  public static func rules(from nodes: [YAMLNode]) throws(ServerError) -> [RedactionRule] {
    var rules: [RedactionRule] = []
    for (index, node) in nodes.enumerated() {
      let place = node.location.line.map { "\(node.location.file):\($0)" } ?? node.location.file
      let read: (pattern: String?, path: String?, replacement: String)
      do throws(YAMLProblem) {
        try node.rejectUnknown(allowed: ["pattern", "path", "replace", "replacement"])
        func string(_ key: String) throws(YAMLProblem) -> String? {
          try node.member(key).map { (value) throws(YAMLProblem) in try value.string() }
        }
        let replace = try string("replace")
        let replacement = try string("replacement")
        read = (
          try string("pattern"), try string("path"), replace ?? replacement ?? defaultReplacement
        )
      } catch {
        // The reason names the key inside the rule (`with: unknown key; …`).
        let inside = error.path.hasPrefix(node.path) ? error.path.dropFirst(node.path.count) : ""
        let key = inside.hasPrefix(".") ? inside.dropFirst() + ": " : ""
        throw .invalidRedaction(file: place, rule: index, reason: key + error.message)
      }
      do {
        rules.append(
          try RedactionRule(pattern: read.pattern, path: read.path, replacement: read.replacement))
      } catch {
        guard case .invalidRedaction(_, _, let reason) = error else { throw error }
        throw .invalidRedaction(file: place, rule: index, reason: reason)
      }
    }
    return rules
  }

  /// The rules in `text`, a YAML list of rules (from `file`, for messages).
  ///
  /// - Throws: ``ServerError/invalidRedaction(file:rule:reason:)``.
  public static func rules(yaml text: String, file: String) throws(ServerError)
    -> [RedactionRule]
  {
    let nodes: [YAMLNode]
    do throws(YAMLProblem) {
      nodes = try YAMLNode.parse(text, file: file)?.sequence() ?? []
    } catch {
      throw .invalidRedaction(file: file, rule: 0, reason: error.message)
    }
    return try rules(from: nodes)
  }

  static func parsePath(_ text: String) throws(ServerError) -> [Step] {
    var rest = Substring(text)
    if rest.hasPrefix("$") { rest = rest.dropFirst() }
    if rest.hasPrefix(".") { rest = rest.dropFirst() }
    var steps: [Step] = []
    var current = ""
    func flush() {
      if current == "*" {
        steps.append(.wildcard)
      } else if !current.isEmpty {
        steps.append(.key(current))
      }
      current = ""
    }
    var index = rest.startIndex
    while index < rest.endIndex {
      let character = rest[index]
      if character == "." {
        flush()
      } else if character == "[" {
        flush()
        guard let close = rest[index...].firstIndex(of: "]") else {
          throw .invalidRedaction(file: "", rule: 0, reason: "unclosed [ in path \"\(text)\"")
        }
        let inside = rest[rest.index(after: index)..<close]
        if inside == "*" {
          steps.append(.wildcard)
        } else if let number = Int(inside), number >= 0 {
          steps.append(.index(number))
        } else {
          steps.append(.key(inside.trimmingCharacters(in: CharacterSet(charactersIn: "'\""))))
        }
        index = close
      } else {
        current.append(character)
      }
      index = rest.index(after: index)
    }
    flush()
    guard !steps.isEmpty else {
      throw .invalidRedaction(file: "", rule: 0, reason: "empty path \"\(text)\"")
    }
    return steps
  }

  /// `text` with every match of the pattern replaced (unchanged when there is no pattern).
  func replacingMatches(in text: String) -> String {
    guard let expression = expression?.value else { return text }
    let range = NSRange(text.startIndex..., in: text)
    return expression.stringByReplacingMatches(
      in: text, range: range, withTemplate: NSRegularExpression.escapedTemplate(for: replacement))
  }

  /// `value` with the pattern applied to every string in it.
  func replacingMatches(inAll value: JSONValue) -> JSONValue {
    switch value {
    case .string(let text): return .string(replacingMatches(in: text))
    case .array(let items): return .array(items.map { replacingMatches(inAll: $0) })
    case .object(let members): return .object(members.mapValues { replacingMatches(inAll: $0) })
    default: return value
    }
  }

  /// Applies the rule at `path` of `value`; `removed` collects what it replaced (the whole
  /// values of a path-only rule, the matched texts of a rule with a pattern), as it was, so
  /// that it can be replaced elsewhere too.
  func apply(atPath path: ArraySlice<Step>, to value: JSONValue, removed: inout [String])
    -> JSONValue
  {
    guard let step = path.first else {
      if pattern != nil {
        collectMatches(value, into: &removed)
        return replacingMatches(inAll: value)
      }
      if value.isNull { return value }
      collect(value, into: &removed)
      return .string(replacement)
    }
    let rest = path.dropFirst()
    switch (step, value) {
    case (.key(let key), .object(var members)):
      guard let member = members[key] else { return value }
      members[key] = apply(atPath: rest, to: member, removed: &removed)
      return .object(members)
    case (.index(let position), .array(var items)):
      guard items.indices.contains(position) else { return value }
      items[position] = apply(atPath: rest, to: items[position], removed: &removed)
      return .array(items)
    case (.wildcard, .object(var members)):
      for key in members.keys {
        if let member = members[key] {
          members[key] = apply(atPath: rest, to: member, removed: &removed)
        }
      }
      return .object(members)
    case (.wildcard, .array(let items)):
      return .array(items.map { apply(atPath: rest, to: $0, removed: &removed) })
    default:
      return value
    }
  }

  /// The texts the pattern matches in every string of `value`.
  private func collectMatches(_ value: JSONValue, into removed: inout [String]) {
    guard let expression = expression?.value else { return }
    switch value {
    case .string(let text):
      let range = NSRange(text.startIndex..., in: text)
      for match in expression.matches(in: text, range: range) {
        if let found = Range(match.range, in: text), !found.isEmpty {
          removed.append(String(text[found]))
        }
      }
    case .array(let items): for item in items { collectMatches(item, into: &removed) }
    case .object(let members):
      for member in members.values { collectMatches(member, into: &removed) }
    default: break
    }
  }

  private func collect(_ value: JSONValue, into removed: inout [String]) {
    switch value {
    case .string(let text): if text.count >= 4 { removed.append(text) }
    case .int(let number): if String(number).count >= 4 { removed.append(String(number)) }
    case .array(let items): for item in items { collect(item, into: &removed) }
    case .object(let members): for member in members.values { collect(member, into: &removed) }
    default: break
    }
  }
}

/// An `NSRegularExpression`, which is immutable once made and documented as thread-safe.
final class RegexBox: @unchecked Sendable {
  // NSRegularExpression is immutable after initialisation; matching from several threads is
  // safe (Foundation documents it so).
  let value: NSRegularExpression
  init(_ value: NSRegularExpression) { self.value = value }
}
