import RefoldCore

/// Typed access: each accessor returns the value or throws a ``YAMLProblem`` at this node.
extension YAMLNode {
  /// A problem at this node.
  public func problem(_ message: String) -> YAMLProblem { YAMLProblem(at: location, message) }

  /// The entries of a mapping, in file order.
  public func mapping() throws(YAMLProblem) -> [Entry] {
    guard let entries else {
      throw problem("expected a map of keys to values, found \(described)")
    }
    return entries
  }

  /// The value at `key` of a mapping.
  ///
  /// - Throws: `path.key: is required but missing` (at the mapping's line).
  public func required(_ key: String) throws(YAMLProblem) -> YAMLNode {
    guard let value = try member(key) else {
      throw YAMLProblem(
        file: location.file, line: location.line, path: Self.join(path, key),
        message: "is required but missing")
    }
    return value
  }

  /// The value at `key` of a mapping, or nil.
  ///
  /// - Throws: when this is not a mapping.
  public func member(_ key: String) throws(YAMLProblem) -> YAMLNode? {
    try mapping().first { $0.key == key }?.value
  }

  /// Refuses keys outside `allowed`, suggesting the nearest one for a typo.
  ///
  /// - Throws: `path.key: unknown key (did you mean …?); expected one of …` (allowed keys
  ///   sorted), at the first unknown key.
  public func rejectUnknown(allowed: [String]) throws(YAMLProblem) {
    for entry in try mapping() where !allowed.contains(entry.key) {
      let hint =
        Self.suggestion(for: entry.key, among: allowed).map { " (did you mean \($0)?)" } ?? ""
      throw YAMLProblem(
        at: entry.keyLocation,
        "unknown key\(hint); expected one of \(allowed.sorted().joined(separator: ", "))")
    }
  }

  /// A string: quoted text, or plain text YAML does not read as another type.
  public func string() throws(YAMLProblem) -> String {
    guard case .scalar(.string(let text)) = content else {
      throw problem("expected a string, found \(described)")
    }
    return text
  }

  /// The text of a string or an integer scalar (`thread: 42` names thread "42").
  public func text() throws(YAMLProblem) -> String {
    if case .scalar(.int(let number)) = content { return String(number) }
    return try string()
  }

  /// One string, or a list of them.
  public func strings() throws(YAMLProblem) -> [String] {
    if case .scalar(.string(let single)) = content { return [single] }
    var result: [String] = []
    for item in try sequence() { result.append(try item.text()) }
    return result
  }

  /// One of `Value`'s cases, by raw value.
  public func choice<Value: RawRepresentable & CaseIterable>(_ type: Value.Type = Value.self)
    throws(YAMLProblem) -> Value where Value.RawValue == String
  {
    let text = try string()
    guard let value = Value(rawValue: text) else {
      let names = Value.allCases.map(\.rawValue).joined(separator: ", ")
      throw problem("expected one of \(names), found \"\(text)\"")
    }
    return value
  }

  public func bool() throws(YAMLProblem) -> Bool {
    guard case .scalar(.bool(let flag)) = content else {
      throw problem("expected true or false, found \(described)")
    }
    return flag
  }

  /// An integer of at least `minimum`, when given.
  public func int(atLeast minimum: Int? = nil) throws(YAMLProblem) -> Int {
    guard case .scalar(.int(let number)) = content, let value = Int(exactly: number),
      value >= (minimum ?? .min)
    else {
      let bound = minimum.map { " of at least \($0)" } ?? ""
      throw problem("expected an integer\(bound), found \(described)")
    }
    return value
  }

  /// A number (an integer or not), within `range` when given.
  public func number(in range: ClosedRange<Double>? = nil) throws(YAMLProblem) -> Double {
    let value: Double?
    switch content {
    case .scalar(.int(let number)): value = Double(number)
    case .scalar(.double(let number)): value = number
    default: value = nil
    }
    guard let value, range?.contains(value) ?? true else {
      let expected =
        range.map {
          "a number from \(JSONValue.formatNumber($0.lowerBound)) to "
            + JSONValue.formatNumber($0.upperBound)
        } ?? "a number"
      throw problem("expected \(expected), found \(described)")
    }
    return value
  }

  /// The items of a sequence.
  public func sequence() throws(YAMLProblem) -> [YAMLNode] {
    guard case .sequence(let items) = content else {
      throw problem("expected a list, found \(described)")
    }
    return items
  }

  /// What the node is, for messages: `a list`, `a map`, `nothing`, `"text"`, `3`.
  public var described: String {
    switch content {
    case .scalar(.null): return "nothing"
    case .scalar(.string(let text)): return "\"\(text)\""
    case .scalar(let value): return value.canonicalString
    case .sequence: return "a list"
    case .mapping: return "a map"
    }
  }

  /// The name among `candidates` nearest to `name` when it is within two edits (a likely
  /// typo), else nil; ties go to the first candidate.
  public static func suggestion(for name: String, among candidates: some Sequence<String>)
    -> String?
  {
    var best: (name: String, distance: Int)?
    for candidate in candidates where candidate != name {
      let distance = self.distance(candidate, name)
      if distance <= 2, distance < (best?.distance ?? .max) { best = (candidate, distance) }
    }
    return best?.name
  }

  /// The edit distance between two names (insertions, deletions and substitutions).
  public static func distance(_ a: String, _ b: String) -> Int {
    let a = Array(a)
    let b = Array(b)
    var previous = Array(0...b.count)
    for i in 1...max(a.count, 1) where !a.isEmpty {
      var row = [i] + Array(repeating: 0, count: b.count)
      for j in stride(from: 1, through: b.count, by: 1) {
        row[j] = min(
          previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
      }
      previous = row
    }
    return previous[b.count]
  }
}
