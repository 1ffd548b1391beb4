import RefoldCore
import RefoldShared

/// Applies a suite's redaction rules to a thread and its exchanges, consistently.
///
/// Rules run in order, in one pass over both. What a path rule replaced in an event (the
/// whole value, or with a pattern the texts it matched there) is then replaced, as literal
/// text, in every string of the thread's events and exchanges, so a secret copied from an
/// event into a prompt disappears from both and the redacted fixture still renders the
/// redacted prompt. Pattern-only rules apply to every string of both.
public struct Redactor: Sendable {
  public var rules: [RedactionRule]

  public init(rules: [RedactionRule]) { self.rules = rules }

  /// The redacted events and exchanges.
  ///
  /// Order: path rules first (collecting the whole values they removed and the texts a
  /// path-scoped pattern matched), then those texts wherever they appear, longest first,
  /// then the pattern-only rules; so a pattern never rewrites part of a value a path rule
  /// hides as a whole.
  public func redact(events: [Event], exchanges: [Exchange]) -> ([Event], [Exchange]) {
    var replacements: [String: String] = [:]
    let pathRules = rules.filter { $0.path != nil }
    let patternRules = rules.filter { $0.pattern != nil && $0.path == nil }
    var redactedEvents = events.map { event -> Event in
      var copy = event
      for rule in pathRules {
        var found: [String] = []
        if rule.pattern == nil {
          apply(rule, to: &copy, removed: &found)
        } else {
          // Only what it matches, replaced below with the other literals, longest first.
          var scratch = copy
          apply(rule, to: &scratch, removed: &found)
        }
        for literal in found where replacements[literal] == nil {
          replacements[literal] = rule.replacement
        }
      }
      return copy
    }
    let literals = replacements.keys.sorted { ($0.count, $0) > ($1.count, $1) }
    func scrub(_ value: JSONValue) -> JSONValue {
      guard !literals.isEmpty else { return value }
      switch value {
      case .string(var text):
        for literal in literals where text.contains(literal) {
          text = text.replacingOccurrences(of: literal, with: replacements[literal] ?? "")
        }
        return .string(text)
      case .array(let items): return .array(items.map(scrub))
      case .object(let members): return .object(members.mapValues(scrub))
      default: return value
      }
    }
    redactedEvents = redactedEvents.map { event in
      var copy = event
      copy.data = scrub(copy.data)
      // Pattern rules replace matches only; they remove no whole value.
      var none: [String] = []
      for rule in patternRules { apply(rule, to: &copy, removed: &none) }
      return copy
    }
    let redactedExchanges = exchanges.map { exchange -> Exchange in
      var copy = exchange
      copy.request = scrub(copy.request)
      copy.response = scrub(copy.response)
      for rule in patternRules {
        copy.request = rule.replacingMatches(inAll: copy.request)
        copy.response = rule.replacingMatches(inAll: copy.response)
      }
      return copy
    }
    return (redactedEvents, redactedExchanges)
  }

  private func apply(_ rule: RedactionRule, to event: inout Event, removed: inout [String]) {
    guard let path = rule.path else {
      event.data = rule.replacingMatches(inAll: event.data)
      return
    }
    var root: JSONValue = ["data": event.data, "meta": event.meta ?? .null]
    root = rule.apply(atPath: path[...], to: root, removed: &removed)
    event.data = root["data"] ?? event.data
    if let meta = root["meta"], !meta.isNull { event.meta = meta }
  }
}
