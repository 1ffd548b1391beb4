import Foundation
import RefoldCore
import Yams

extension YAMLNode {
  /// Parses `text` (from `file`, for messages); nil for an empty document.
  ///
  /// - Throws: ``YAMLProblem`` for text that is not YAML (`invalid YAML at 2:1: …`), a
  ///   duplicate key (with the line of its second use), a key that is not a plain string, or
  ///   a document over the ``YAMLLimits`` (its size, or the nodes its aliases expand to).
  ///   Aliases are resolved.
  public static func parse(_ text: String, file: String) throws(YAMLProblem) -> YAMLNode? {
    let root: Node?
    do {
      try YAMLLimits.checkSize(text, file: file)
      root = try Yams.compose(yaml: text)
      try YAMLLimits.checkExpansion(root, bytes: text.utf8.count, file: file)
    } catch let exceeded as YAMLLimits.Exceeded {
      throw YAMLProblem(file: file, line: exceeded.line, path: "", message: exceeded.reason)
    } catch {
      if let duplicate = duplicateKey(error, in: text) {
        throw YAMLProblem(
          file: file, line: duplicate.line, path: "",
          message: "duplicate key \"\(duplicate.key)\"; each key may appear once in a mapping")
      }
      throw YAMLProblem(
        file: file, line: nil, path: "",
        message: "invalid YAML at \(sentence(error))")
    }
    guard let root else { return nil }
    return try convert(root, file: file, path: "")
  }

  private static func convert(_ node: Node, file: String, path: String) throws(YAMLProblem)
    -> YAMLNode
  {
    let location = YAMLLocation(file: file, line: node.mark?.line, path: path)
    switch node {
    case .scalar(let scalar):
      let value: JSONValue
      switch Tag.Name(rawValue: node.tag.rawValue) {
      case .null: value = .null
      case .bool: value = node.bool.map(JSONValue.bool) ?? .string(scalar.string)
      case .int: value = node.int.map { .int(Int64($0)) } ?? .string(scalar.string)
      case .float: value = node.float.map(JSONValue.double) ?? .string(scalar.string)
      default: value = .string(scalar.string)
      }
      return YAMLNode(.scalar(value), location: location)
    case .sequence(let sequence):
      var items: [YAMLNode] = []
      for (index, item) in sequence.enumerated() {
        items.append(try convert(item, file: file, path: join(path, index)))
      }
      return YAMLNode(.sequence(items), location: location)
    case .mapping(let mapping):
      var entries: [Entry] = []
      for (key, value) in mapping {
        guard let name = key.scalar?.string else {
          throw YAMLProblem(at: location, "expected plain keys")
        }
        let keyLocation = YAMLLocation(
          file: file, line: key.mark?.line, path: join(path, name))
        entries.append(
          Entry(
            key: name, keyLocation: keyLocation,
            value: try convert(value, file: file, path: join(path, name))))
      }
      return YAMLNode(.mapping(entries), location: location)
    case .alias:
      throw YAMLProblem(at: location, "YAML aliases are not supported")
    }
  }

  /// One line from a YAML parser error: the position and the problem.
  ///
  /// Yams describes a parse error over several lines (position, problem, the offending
  /// source line, a caret); a message must stay one sentence:
  /// `2:1: while parsing a flow sequence in line 1, column 8, did not find expected ',' or ']'`.
  static func sentence(_ error: any Error) -> String {
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

  /// The key and line of a duplicate key the parser refused, found in `text`: the second
  /// line that starts with the key at the same indentation; nil for another error.
  ///
  /// The parser says `expected all keys to be unique but found the following duplicated
  /// key(s): 'name'` with no place; this gives the message a line.
  static func duplicateKey(_ error: any Error, in text: String) -> (key: String, line: Int?)? {
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
}
