/// A JSON Schema subset for intent parameters: checks a schema, and checks values against it.
///
/// The subset is what tool-calling models and their servers understand everywhere:
/// `type` (a name or a list of names), `properties`, `required`, `enum`, `items`, `maxLength`,
/// `description`, and `additionalProperties` (a boolean). Anything else is refused when the
/// schema is checked, so a typo in an agent spec never silently loosens validation.
///
/// ```swift
/// let schema = ParameterSchema([
///   "type": "object", "required": ["tag"],
///   "properties": ["tag": ["type": "string", "maxLength": 32]],
/// ])
/// schema.validate(["tag": 3])  // [tag: expected string, found integer]
/// ```
public struct ParameterSchema: Sendable, Hashable {
  /// The schema as JSON.
  public var schema: JSONValue

  public init(_ schema: JSONValue) { self.schema = schema }

  /// The keywords of the subset.
  public static let keywords: Set<String> = [
    "type", "properties", "required", "enum", "items", "maxLength", "description",
    "additionalProperties",
  ]

  /// The type names the subset knows.
  public static let typeNames: Set<String> = [
    "string", "integer", "number", "boolean", "object", "array", "null",
  ]

  /// A place in a schema or a value, and what was wrong there.
  public struct Problem: Sendable, Hashable, CustomStringConvertible {
    /// Dotted path: `properties.tag.type` in a schema, `tags[0]` in a value; empty for the root.
    public var path: String
    /// What was expected, or what broke the rule.
    public var message: String

    public init(path: String, message: String) {
      self.path = path
      self.message = message
    }

    public var description: String { path.isEmpty ? message : "\(path): \(message)" }
  }

  // MARK: Checking the schema itself

  /// Mistakes in the schema itself (unknown keywords, wrong shapes), with their paths.
  public func check() -> [Problem] {
    var problems: [Problem] = []
    Self.check(schema, path: "", into: &problems)
    return problems
  }

  private static func join(_ path: String, _ key: String) -> String {
    path.isEmpty ? key : path + "." + key
  }

  private static func check(_ schema: JSONValue, path: String, into problems: inout [Problem]) {
    guard let members = schema.objectValue else {
      problems.append(Problem(path: path, message: "expected a schema object"))
      return
    }
    for key in members.keys.sorted() where !keywords.contains(key) {
      let known = keywords.sorted().joined(separator: ", ")
      problems.append(
        Problem(path: join(path, key), message: "unknown schema keyword (expected one of \(known))")
      )
    }
    var declaredTypes: [String] = []
    if let type = members["type"] {
      switch type {
      case .string(let name): declaredTypes = [name]
      case .array(let names) where !names.isEmpty && names.allSatisfy({ $0.stringValue != nil }):
        declaredTypes = names.compactMap(\.stringValue)
      default:
        problems.append(
          Problem(path: join(path, "type"), message: "expected a type name or a list of them"))
      }
      for name in declaredTypes where !typeNames.contains(name) {
        problems.append(
          Problem(
            path: join(path, "type"),
            message:
              "expected one of \(typeNames.sorted().joined(separator: ", ")), found \"\(name)\""
          ))
      }
    }
    if let properties = members["properties"] {
      if let entries = properties.objectValue {
        for name in entries.keys.sorted() {
          check(
            entries[name, default: .null], path: join(join(path, "properties"), name),
            into: &problems)
        }
      } else {
        problems.append(
          Problem(path: join(path, "properties"), message: "expected a map of property schemas"))
      }
    }
    if let required = members["required"] {
      if let names = required.arrayValue, names.allSatisfy({ $0.stringValue != nil }) {
        let declared = members["properties"]?.objectValue ?? [:]
        for (index, name) in names.compactMap(\.stringValue).enumerated()
        where declared[name] == nil {
          problems.append(
            Problem(
              path: join(path, "required") + "[\(index)]",
              message: "names \"\(name)\", which is not among the properties"))
        }
      } else {
        problems.append(
          Problem(path: join(path, "required"), message: "expected a list of property names"))
      }
    }
    if let enumeration = members["enum"] {
      if let values = enumeration.arrayValue, !values.isEmpty {
        if !declaredTypes.isEmpty {
          for (index, value) in values.enumerated()
          where !declaredTypes.contains(where: { matches(value, type: $0) }) {
            problems.append(
              Problem(
                path: join(path, "enum") + "[\(index)]",
                message: "expected a value of type \(declaredTypes.joined(separator: " or "))"))
          }
        }
      } else {
        problems.append(Problem(path: join(path, "enum"), message: "expected a non-empty list"))
      }
    }
    if let items = members["items"] { check(items, path: join(path, "items"), into: &problems) }
    if let maxLength = members["maxLength"], (maxLength.intValue ?? -1) < 0 {
      problems.append(
        Problem(path: join(path, "maxLength"), message: "expected a non-negative integer"))
    }
    if let description = members["description"], description.stringValue == nil {
      problems.append(Problem(path: join(path, "description"), message: "expected a string"))
    }
    if let additional = members["additionalProperties"], additional.boolValue == nil {
      problems.append(
        Problem(path: join(path, "additionalProperties"), message: "expected true or false"))
    }
  }

  // MARK: Validating values

  /// Where `value` breaks the schema; empty when it conforms.
  public func validate(_ value: JSONValue) -> [Problem] {
    var problems: [Problem] = []
    Self.validate(value, against: schema, path: "", into: &problems)
    return problems
  }

  /// Whether `value` is of the JSON Schema type `type` (an integer is also a `number`).
  public static func matches(_ value: JSONValue, type: String) -> Bool {
    switch (type, value) {
    case ("null", .null), ("boolean", .bool), ("string", .string), ("array", .array),
      ("object", .object), ("integer", .int), ("number", .int), ("number", .double):
      return true
    case ("integer", .double(let number)): return number == number.rounded(.towardZero)
    default: return false
    }
  }

  private static func validate(
    _ value: JSONValue, against schema: JSONValue, path: String, into problems: inout [Problem]
  ) {
    guard let members = schema.objectValue else { return }
    let label = path.isEmpty ? "parameters" : path
    if let type = members["type"] {
      let names = type.stringValue.map { [$0] } ?? type.arrayValue?.compactMap(\.stringValue) ?? []
      if !names.isEmpty, !names.contains(where: { matches(value, type: $0) }) {
        problems.append(
          Problem(
            path: label,
            message: "expected \(names.joined(separator: " or ")), found \(value.typeName)"))
        return
      }
    }
    if let allowed = members["enum"]?.arrayValue,
      !allowed.contains(where: { $0.numericallyEquals(value) })
    {
      let list = allowed.map(\.canonicalString).joined(separator: ", ")
      problems.append(
        Problem(path: label, message: "expected one of \(list), found \(value.canonicalString)"))
    }
    if let limit = members["maxLength"]?.intValue, let text = value.stringValue,
      text.unicodeScalars.count > limit
    {
      problems.append(
        Problem(
          path: label,
          message: "is \(text.unicodeScalars.count) characters long, at most \(limit) allowed"))
    }
    if case .object(let object) = value {
      let properties = members["properties"]?.objectValue ?? [:]
      for name in members["required"]?.arrayValue?.compactMap(\.stringValue) ?? []
      where object[name] == nil {
        problems.append(Problem(path: join(path, name), message: "is required but missing"))
      }
      for name in object.keys.sorted() {
        let childPath = join(path, name)
        if let propertySchema = properties[name] {
          validate(
            object[name, default: .null], against: propertySchema, path: childPath,
            into: &problems)
        } else if members["additionalProperties"]?.boolValue == false {
          let known = properties.keys.sorted().joined(separator: ", ")
          problems.append(
            Problem(
              path: childPath,
              message: "is not a known parameter (expected \(known.isEmpty ? "none" : known))"))
        }
      }
    }
    if case .array(let elements) = value, let items = members["items"] {
      for (index, element) in elements.enumerated() {
        validate(element, against: items, path: "\(label)[\(index)]", into: &problems)
      }
    }
  }
}
