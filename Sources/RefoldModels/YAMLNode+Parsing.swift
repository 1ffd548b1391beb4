import Foundation
import RefoldCore
import Yams

extension YAMLNode {
  /// Parses `text` (from `file`, for messages); nil for an empty document.
  ///
  /// - Throws: ``YAMLProblem`` for text that is not YAML (`invalid YAML at 2:1: …`, a
  ///   duplicate key among them) or a key that is not a plain string. Aliases are resolved.
  public static func parse(_ text: String, file: String) throws(YAMLProblem) -> YAMLNode? {
    let root: Node?
    do {
      root = try Yams.compose(yaml: text)
    } catch {
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
}
