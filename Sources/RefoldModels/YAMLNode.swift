import RefoldCore

/// One node of a YAML document, with where it was written: the one reader of Refold's YAML
/// files (agent specs, suites, expectations, tools files).
///
/// Scalars keep their YAML types (`3` an integer, `0.5` a number, `true` a boolean, `~`
/// null, quoted text a string); mappings keep their keys in file order. Every node knows its
/// file, line and path, so the typed accessors (``string()``, ``choice()``,
/// ``rejectUnknown(allowed:)``…) throw a ``YAMLProblem`` that reads
/// `suite.yaml:6: variants.concise.context_format: expected one of …, found "markdown"`.
///
/// ```swift
/// let root = try YAMLNode.parse(text, file: "agent.yaml")
/// let name = try root?.required("name").string()
/// ```
public struct YAMLNode: Sendable, Hashable {
  /// What a node holds.
  public enum Content: Sendable, Hashable {
    /// A scalar as its JSON value: null, a boolean, an integer, a number or a string.
    case scalar(JSONValue)
    case sequence([YAMLNode])
    case mapping([Entry])
  }

  /// One key of a mapping and its value.
  public struct Entry: Sendable, Hashable {
    public var key: String
    /// Where the key was written (unknown keys are reported there).
    public var keyLocation: YAMLLocation
    public var value: YAMLNode

    public init(key: String, keyLocation: YAMLLocation, value: YAMLNode) {
      self.key = key
      self.keyLocation = keyLocation
      self.value = value
    }
  }

  public var content: Content
  public var location: YAMLLocation

  public init(_ content: Content, location: YAMLLocation) {
    self.content = content
    self.location = location
  }

  /// The path inside the document: `intents.deploy_backend.params`, `[0].steps[1]`; empty
  /// at the root.
  public var path: String { location.path }

  /// Whether the node is a YAML null (`~`, `null` or nothing).
  public var isNull: Bool { content == .scalar(.null) }

  /// The entries of a mapping, nil for other nodes.
  public var entries: [Entry]? {
    guard case .mapping(let entries) = content else { return nil }
    return entries
  }

  /// The value at `key` of a mapping; nil when absent or when this is not a mapping.
  public subscript(key: String) -> YAMLNode? {
    entries?.first { $0.key == key }?.value
  }

  /// The node as JSON: mappings become objects, sequences arrays.
  public var json: JSONValue {
    switch content {
    case .scalar(let value): return value
    case .sequence(let items): return .array(items.map(\.json))
    case .mapping(let entries):
      var members: [String: JSONValue] = [:]
      for entry in entries { members[entry.key] = entry.value.json }
      return .object(members)
    }
  }

  /// The deepest node along a dotted path below this one (`properties.tag.type`; indices
  /// such as `required[0]` stop at `required`), for the line of a problem found in the JSON.
  public func nearest(_ dottedPath: String) -> YAMLNode {
    var current = self
    for component in dottedPath.split(separator: ".") {
      let name = String(component.prefix { $0 != "[" })
      guard let next = current[name] else { return current }
      current = next
    }
    return current
  }

  /// `parent.key`, or `key` at the root.
  public static func join(_ parent: String, _ key: String) -> String {
    parent.isEmpty ? key : parent + "." + key
  }

  /// `parent[index]`.
  public static func join(_ parent: String, _ index: Int) -> String { "\(parent)[\(index)]" }
}

/// Where a YAML node was written: the file, the 1-based line and the path inside the file.
public struct YAMLLocation: Sendable, Hashable {
  public var file: String
  public var line: Int?
  public var path: String

  public init(file: String, line: Int?, path: String) {
    self.file = file
    self.line = line
    self.path = path
  }
}
