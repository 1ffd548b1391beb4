import RefoldCore

/// Why a path did not lead into a value.
struct PathFailure: Error {
  var message: String
}

extension JSONValue {
  /// Replaces the value at `path` (an object member not yet there is added).
  mutating func replace(at path: ArraySlice<ThreadEdit.PathComponent>, with value: JSONValue)
    throws(PathFailure)
  {
    guard let first = path.first else {
      self = value
      return
    }
    let rest = path.dropFirst()
    switch (first, self) {
    case (.key(let key), .object(var members)):
      if members[key] == nil && !rest.isEmpty {
        throw PathFailure(message: "member \"\(key)\" to go into")
      }
      var member = members[key] ?? .null
      try member.replace(at: rest, with: value)
      members[key] = member
      self = .object(members)
    case (.index(let index), .array(var elements)):
      guard index < elements.count else {
        throw PathFailure(
          message: "element [\(index)] (its array has \(elements.count) elements)")
      }
      try elements[index].replace(at: rest, with: value)
      self = .array(elements)
    case (.key(let key), _):
      throw PathFailure(message: "object to hold \"\(key)\" (the value there is \(typeName))")
    case (.index(let index), _):
      throw PathFailure(message: "array to hold [\(index)] (the value there is \(typeName))")
    }
  }
}
