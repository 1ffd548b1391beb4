import RefoldCore

/// Applies a suite's redaction rules to a thread and its exchanges, consistently.
///
/// Rules run in order. Values a path rule removed from an event are then replaced, as
/// literal text, in every string of the thread's events and exchanges, so a secret copied
/// from an event into a prompt disappears from both.
public struct Redactor: Sendable {
  public var rules: [RedactionRule]

  public init(rules: [RedactionRule]) { self.rules = rules }

  /// The redacted events and exchanges.
  public func redact(events: [Event], exchanges: [Exchange]) -> ([Event], [Exchange]) {
    var removed: [String] = []
    var redactedEvents = events.map { event -> Event in
      var copy = event
      for rule in rules {
        if let path = rule.path {
          var root: JSONValue = ["data": copy.data, "meta": copy.meta ?? .null]
          root = rule.apply(atPath: path[...], to: root, removed: &removed)
          copy.data = root["data"] ?? copy.data
          if let meta = root["meta"], !meta.isNull { copy.meta = meta }
        } else {
          copy.data = rule.replacingMatches(inAll: copy.data)
        }
      }
      return copy
    }
    let literals = Array(Set(removed)).sorted { $0.count > $1.count }
    func scrub(_ value: JSONValue) -> JSONValue {
      guard !literals.isEmpty else { return value }
      switch value {
      case .string(var text):
        for literal in literals where text.contains(literal) {
          text = text.replacingOccurrences(of: literal, with: replacement(for: literal))
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
      return copy
    }
    let redactedExchanges = exchanges.map { exchange -> Exchange in
      var copy = exchange
      for rule in rules where rule.pattern != nil && rule.path == nil {
        copy.request = rule.replacingMatches(inAll: copy.request)
        copy.response = rule.replacingMatches(inAll: copy.response)
      }
      for rule in rules where rule.pattern != nil && rule.path != nil {
        // A rule scoped to an event path still hides the same text inside prompts.
        copy.request = rule.replacingMatches(inAll: copy.request)
        copy.response = rule.replacingMatches(inAll: copy.response)
      }
      copy.request = scrub(copy.request)
      copy.response = scrub(copy.response)
      return copy
    }
    return (redactedEvents, redactedExchanges)
  }

  /// The replacement a path rule gives `literal` (the first path rule's).
  private func replacement(for literal: String) -> String {
    rules.first { $0.path != nil && $0.pattern == nil }?.replacement
      ?? RedactionRule.defaultReplacement
  }
}
