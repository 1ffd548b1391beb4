import Foundation

/// One line from a YAML parser error, for messages that must stay one sentence.
///
/// Yams describes a parse error over several lines (position, problem, the offending source
/// line, a caret). This keeps the position and the problem:
/// `2:1: while parsing a flow sequence in line 1, column 8, did not find expected ',' or ']'`.
public enum YAMLErrorSentence {
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
