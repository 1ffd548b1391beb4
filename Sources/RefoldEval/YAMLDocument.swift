import RefoldCore
import RefoldModels
import Yams

/// Reads a YAML file into a ``JSONValue`` with the line of every path, so that validation
/// errors can say `suite.yaml:12: variants.concise.context_format: …`.
public enum YAMLDocument {
  /// Parses `text` (from `file`, for messages) into a value and a reader for it.
  ///
  /// Scalars keep their YAML types: `3` is an integer, `0.5` a number, `true` a boolean,
  /// `~` null, quoted text a string.
  public static func parse(_ text: String, file: String) throws(SuiteError) -> (
    JSONValue, DocumentReader
  ) {
    let root: Node?
    do {
      try YAMLLimits.checkSize(text, file: file)
      root = try Yams.compose(yaml: text)
      try YAMLLimits.checkExpansion(root, bytes: text.utf8.count, file: file)
    } catch let exceeded as YAMLLimits.Exceeded {
      throw .invalid(file: file, line: exceeded.line, path: "", message: exceeded.reason)
    } catch {
      if let duplicate = YAMLErrorSentence.duplicateKey(error, in: text) {
        throw .invalid(
          file: file, line: duplicate.line, path: "",
          message: "duplicate key \"\(duplicate.key)\"; each key may appear once in a mapping")
      }
      throw .unreadable(
        file: file, message: "not valid YAML at \(YAMLErrorSentence.describe(error))")
    }
    var lines: [String: Int] = [:]
    guard let root else { return (.null, DocumentReader(file: file, lines: lines)) }
    let reader = DocumentReader(file: file)
    let value = try convert(root, path: "", lines: &lines, reader: reader)
    return (value, DocumentReader(file: file, lines: lines))
  }

  private static func convert(
    _ node: Node, path: String, lines: inout [String: Int], reader: DocumentReader
  ) throws(SuiteError) -> JSONValue {
    if let line = node.mark?.line, lines[path] == nil { lines[path] = line }
    switch node {
    case .scalar(let scalar):
      switch node.tag.description {
      case Tag.Name.null.rawValue: return .null
      case Tag.Name.bool.rawValue: return node.bool.map(JSONValue.bool) ?? .string(scalar.string)
      case Tag.Name.int.rawValue: return node.int.map { .int(Int64($0)) } ?? .string(scalar.string)
      case Tag.Name.float.rawValue:
        return node.float.map(JSONValue.double) ?? .string(scalar.string)
      default: return .string(scalar.string)
      }
    case .mapping(let mapping):
      var members: [String: JSONValue] = [:]
      for (key, value) in mapping {
        guard let name = key.string else {
          throw reader.error(path, "mapping keys must be strings")
        }
        let childPath = DocumentReader.join(path, name)
        if let line = key.mark?.line { lines[childPath] = line }
        guard members[name] == nil else {
          throw DocumentReader(file: reader.file, lines: lines).error(childPath, "duplicate key")
        }
        members[name] = try convert(value, path: childPath, lines: &lines, reader: reader)
      }
      return .object(members)
    case .sequence(let sequence):
      var elements: [JSONValue] = []
      for (index, element) in sequence.enumerated() {
        elements.append(
          try convert(
            element, path: DocumentReader.join(path, index), lines: &lines, reader: reader))
      }
      return .array(elements)
    case .alias:
      throw reader.error(path, "YAML aliases are not supported")
    }
  }
}
