import Foundation

/// One line from a YAML parser error, for messages that must stay one sentence.
///
/// Yams describes a parse error over several lines (position, problem, the offending source
/// line, a caret). This keeps the position and the problem:
/// `2:1: while parsing a flow sequence in line 1, column 8, did not find expected ',' or ']'`.
public enum YAMLErrorSentence {
  /// The key and line of a duplicate key the parser refused, found in `text`: the second
  /// line that starts with the key at the same indentation; nil for another error.
  ///
  /// The parser says `expected all keys to be unique but found the following duplicated
  /// key(s): 'name'` with no place; this gives the message a line.
  public static func duplicateKey(_ error: any Error, in text: String) -> (
    key: String, line: Int?
  )? {
    let message = "\(error)"
    guard let marker = message.range(of: "duplicated key(s): '") else { return nil }
    let rest = message[marker.upperBound...]
    guard let end = rest.firstIndex(of: "'") else { return nil }
    let key = String(rest[..<end])
    var seen: Set<Int> = []
    for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false)
      .enumerated()
    {
      var body = line.drop(while: { $0 == " " })
      let indent = line.count - body.count
      if body.hasPrefix("- ") { body = body.dropFirst(2) }
      let quoted = body.hasPrefix("\"\(key)\":") || body.hasPrefix("'\(key)':")
      guard quoted || body.hasPrefix("\(key):") else { continue }
      if !seen.insert(indent).inserted { return (key, index + 1) }
    }
    return (key, nil)
  }

  public static func describe(_ error: any Error) -> String {
    let lines = "\(error)".split(separator: "\n", omittingEmptySubsequences: true)
    guard var first = lines.first.map(String.init) else { return "\(error)" }
    for marker in ["error: parser: ", "error: scanner: ", "error: composer: ", "error: reader: "] {
      first = first.replacingOccurrences(of: marker, with: "")
    }
    if first.hasSuffix(":") { first.removeLast() }
    guard lines.count > 1 else { return first }
    var problem = String(lines[1])
    guard problem.hasSuffix(":") else { return first }
    problem.removeLast()
    return first + ", " + problem
  }
}
