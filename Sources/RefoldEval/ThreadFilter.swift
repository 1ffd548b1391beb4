import RefoldCore

/// The threads `refold eval --thread NAME` keeps: names or globs (`*` any run of
/// characters, `?` one character), matched against whole thread ids.
///
/// ```swift
/// let filter = ThreadFilter(["deploy-prod-*", "rollback-001"])
/// let kept = try filter.select(threads, suite: "deploybot")
/// ```
public struct ThreadFilter: Sendable, Hashable {
  public var patterns: [String]

  public init(_ patterns: [String]) { self.patterns = patterns }

  /// Whether the filter keeps every thread (no pattern given).
  public var keepsAll: Bool { patterns.isEmpty }

  /// Whether `thread` matches one of the patterns.
  public func matches(_ thread: String) -> Bool {
    keepsAll || patterns.contains { Self.glob($0, matches: thread) }
  }

  /// The threads of `threads` that match, in their order.
  ///
  /// - Throws: ``ProbeError`` naming a pattern that matches no thread of the suite.
  public func select(_ threads: [[Event]], suite: String) throws(ProbeError) -> [[Event]] {
    if keepsAll { return threads }
    let ids = threads.map { $0.first?.thread ?? "" }
    for pattern in patterns where !ids.contains(where: { Self.glob(pattern, matches: $0) }) {
      let sample = ids.prefix(3).joined(separator: ", ")
      throw ProbeError(
        "--thread \(pattern) matches no thread of suite \(suite) (it has \(ids.count), such as "
          + "\(sample))")
    }
    return threads.filter { matches($0.first?.thread ?? "") }
  }

  /// Whether `text` matches `pattern` whole.
  static func glob(_ pattern: String, matches text: String) -> Bool {
    let pattern = Array(pattern)
    let text = Array(text)
    var (p, t) = (0, 0)
    var star: Int?
    var resume = 0
    while t < text.count {
      if p < pattern.count, pattern[p] == "?" || pattern[p] == text[t] {
        p += 1
        t += 1
      } else if p < pattern.count, pattern[p] == "*" {
        star = p
        resume = t
        p += 1
      } else if let star {
        p = star + 1
        resume += 1
        t = resume
      } else {
        return false
      }
    }
    while p < pattern.count, pattern[p] == "*" { p += 1 }
    return p == pattern.count
  }
}
