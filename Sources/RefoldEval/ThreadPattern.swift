/// A thread name or a pattern of names where `*` stands for any run of characters, split
/// once into its literal parts so that matching does no parsing.
///
/// ```swift
/// let pattern = ThreadPattern("deploy-*-prod")
/// pattern.matches("deploy-backend-prod")  // true
/// ```
public struct ThreadPattern: Sendable, Hashable {
  /// The pattern as written.
  public let text: String
  /// The literal parts between the stars (one part: no star, the name itself).
  private let parts: [String]

  public init(_ text: String) {
    self.text = text
    parts = text.split(separator: "*", omittingEmptySubsequences: false).map(String.init)
  }

  /// Whether the pattern has no `*`: it matches its own text only.
  public var isExact: Bool { parts.count == 1 }

  /// Whether `name` matches: equal to an exact pattern; for a pattern with stars, starting
  /// with its first part, ending with its last, and holding the others in order between.
  public func matches(_ name: String) -> Bool {
    guard parts.count > 1 else { return text == name }
    var rest = Substring(name)
    guard let first = parts.first, rest.hasPrefix(first) else { return false }
    rest = rest.dropFirst(first.count)
    for (offset, part) in parts.enumerated().dropFirst() {
      if offset == parts.count - 1 { return part.isEmpty || rest.hasSuffix(part) }
      guard !part.isEmpty else { continue }
      guard let range = rest.range(of: part) else { return false }
      rest = rest[range.upperBound...]
    }
    return true
  }
}
