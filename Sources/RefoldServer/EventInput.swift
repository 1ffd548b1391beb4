import RefoldCore

/// Events posted over HTTP: one object or an array, each `{type, data, id?, at?, meta?}`.
enum EventInput {
  /// The lines to append to `thread`; `thread` and `seq` in the body are refused if they
  /// disagree with the path or would skip the store's numbering.
  static func lines(
    from body: JSONValue, thread: String, clock: @Sendable () -> String
  ) throws -> [EventLine] {
    let items = body.arrayValue ?? [body]
    guard !items.isEmpty else { throw EventLine.Invalid("no events in the body") }
    return try items.enumerated().map { index, item in
      guard var members = item.objectValue else {
        throw EventLine.Invalid("event \(index): must be a JSON object")
      }
      if let named = members["thread"]?.stringValue, named != thread {
        throw EventLine.Invalid(
          "event \(index): names thread \"\(named)\" but was posted to \"\(thread)\"")
      }
      members["thread"] = .string(thread)
      if members["data"] == nil { members["data"] = .emptyObject }
      if members["at"] == nil { members["at"] = .string(clock()) }
      do {
        return try EventLine.from(.object(members))
      } catch let error as EventLine.Invalid {
        throw EventLine.Invalid("event \(index): \(error.reason)")
      }
    }
  }
}
