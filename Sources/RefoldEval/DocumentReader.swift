import RefoldCore

/// Reads typed values out of a parsed YAML/JSON document, with errors that name the file,
/// the line and the path inside the document.
public struct DocumentReader: Sendable {
  /// The file the document came from, for error messages.
  public var file: String
  /// 1-based line numbers by document path (`variants.concise.context_format`), when known.
  public var lines: [String: Int]

  public init(file: String, lines: [String: Int] = [:]) {
    self.file = file
    self.lines = lines
  }

  /// An error at `path`.
  public func error(_ path: String, _ message: String) -> SuiteError {
    .invalid(file: file, line: lines[path], path: path, message: message)
  }

  /// `parent.key`, or `key` at the root.
  public static func join(_ parent: String, _ key: String) -> String {
    parent.isEmpty ? key : parent + "." + key
  }

  /// `parent[index]`.
  public static func join(_ parent: String, _ index: Int) -> String { "\(parent)[\(index)]" }

  func object(_ value: JSONValue, _ path: String) throws(SuiteError) -> [String: JSONValue] {
    guard case .object(let members) = value else {
      throw error(path, "expected a mapping, found \(describe(value))")
    }
    return members
  }

  func array(_ value: JSONValue, _ path: String) throws(SuiteError) -> [JSONValue] {
    guard case .array(let elements) = value else {
      throw error(path, "expected a list, found \(describe(value))")
    }
    return elements
  }

  func string(_ value: JSONValue, _ path: String) throws(SuiteError) -> String {
    switch value {
    case .string(let text): return text
    case .int(let number): return String(number)
    default: throw error(path, "expected a string, found \(describe(value))")
    }
  }

  func int(_ value: JSONValue, _ path: String, minimum: Int = 0) throws(SuiteError) -> Int {
    guard let number = value.intValue, number >= minimum else {
      throw error(path, "expected an integer of at least \(minimum), found \(describe(value))")
    }
    return number
  }

  func double(_ value: JSONValue, _ path: String) throws(SuiteError) -> Double {
    guard let number = value.doubleValue else {
      throw error(path, "expected a number, found \(describe(value))")
    }
    return number
  }

  func bool(_ value: JSONValue, _ path: String) throws(SuiteError) -> Bool {
    guard let flag = value.boolValue else {
      throw error(path, "expected true or false, found \(describe(value))")
    }
    return flag
  }

  func stringList(_ value: JSONValue, _ path: String) throws(SuiteError) -> [String] {
    if case .string(let single) = value { return [single] }
    var result: [String] = []
    for (index, element) in try array(value, path).enumerated() {
      result.append(try string(element, DocumentReader.join(path, index)))
    }
    return result
  }

  func oneOf<T: RawRepresentable & CaseIterable>(
    _ value: JSONValue, _ path: String, _ type: T.Type
  ) throws(SuiteError) -> T where T.RawValue == String {
    let text = try string(value, path)
    guard let result = T(rawValue: text) else {
      let allowed = T.allCases.map(\.rawValue).joined(separator: ", ")
      throw error(path, "expected one of \(allowed)")
    }
    return result
  }

  /// Refuses keys outside `allowed`, so that a typo is not silently ignored.
  func onlyKeys(_ members: [String: JSONValue], _ allowed: [String], _ path: String)
    throws(SuiteError)
  {
    for key in members.keys.sorted() where !allowed.contains(key) {
      throw error(
        DocumentReader.join(path, key),
        "unknown key; expected one of \(allowed.joined(separator: ", "))")
    }
  }

  func describe(_ value: JSONValue) -> String {
    switch value {
    case .null: return "nothing"
    case .object: return "a mapping"
    case .array: return "a list"
    case .string(let text): return "\"\(text)\""
    default: return value.canonicalString
    }
  }
}
