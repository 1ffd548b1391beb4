import RefoldCore

/// A change to the events before a decision point, made for one question and never stored.
///
/// Edits name events by their `seq` in the thread as recorded. They are applied together:
/// every `set` to the event it names, then each `drop` and `insertAfter` in place; the
/// result is numbered again from 0, so the edited thread has no gap.
///
/// ```swift
/// let edits = [
///   try ThreadEdit(set: "2.tags[0]=\"v1.5.0\""),  // seq 2's data.tags[0]
///   try ThreadEdit(drop: "3"),
/// ]
/// let edited = try ThreadEdit.apply(edits, to: events, thread: "deploy-001")
/// ```
public enum ThreadEdit: Sendable, Hashable {
  /// Replace the value at `path` in the data of the event at `seq` (an object member that
  /// is not there yet is added).
  case set(seq: Int, path: [PathComponent], value: JSONValue)
  /// Leave the event at `seq` out.
  case drop(seq: Int)
  /// Add an event of `type` with `data` right after the event at `seq`.
  case insertAfter(seq: Int, type: String, data: JSONValue)

  /// One step of a path into an event's data: an object member or an array index.
  public enum PathComponent: Sendable, Hashable, CustomStringConvertible {
    case key(String)
    case index(Int)

    public var description: String {
      switch self {
      case .key(let key): key
      case .index(let index): "[\(index)]"
      }
    }
  }

  /// The seq the edit names.
  public var seq: Int {
    switch self {
    case .set(let seq, _, _), .drop(let seq), .insertAfter(let seq, _, _): seq
    }
  }

  /// Parses `SEQ.PATH=JSON`: `4.tag="v1.2.0"`, `2.tags[0]="v9"`, `5.config.replicas=3`.
  ///
  /// - Throws: ``ProbeError`` naming what is wrong with the text.
  public init(set text: String) throws(ProbeError) {
    guard let equals = text.firstIndex(of: "=") else {
      throw ProbeError("--set \(text): expected SEQ.PATH=JSON, such as 4.tag=\"v1.2.0\"")
    }
    let target = String(text[..<equals])
    let json = String(text[text.index(after: equals)...])
    guard let dot = target.firstIndex(of: "."), let seq = Int(target[..<dot]), seq >= 0 else {
      throw ProbeError("--set \(text): expected SEQ.PATH=JSON, such as 4.tag=\"v1.2.0\"")
    }
    let path = try Self.parsePath(String(target[target.index(after: dot)...]), in: text)
    let value: JSONValue
    do {
      value = try JSONParser.parse(json)
    } catch {
      throw ProbeError(
        "--set \(text): the value \(json) is not JSON (\(error.description)); quote a string: "
          + "\(target)='\"\(json)\"'")
    }
    self = .set(seq: seq, path: path, value: value)
  }

  /// Parses `SEQ` of `--drop SEQ`.
  ///
  /// - Throws: ``ProbeError`` when it is not a seq.
  public init(drop text: String) throws(ProbeError) {
    guard let seq = Int(text), seq >= 0 else {
      throw ProbeError("--drop \(text): expected the seq of an event, such as 3")
    }
    self = .drop(seq: seq)
  }

  /// Parses `SEQ TYPE JSON` of `--insert-after`.
  ///
  /// - Throws: ``ProbeError`` when the seq, the type or the data is not well formed.
  public init(insertAfter seq: String, type: String, data json: String) throws(ProbeError) {
    let written = "--insert-after \(seq) \(type) \(json)"
    guard let number = Int(seq), number >= 0 else {
      throw ProbeError("\(written): expected the seq of an event first, such as 3")
    }
    guard !type.isEmpty else { throw ProbeError("\(written): the event type is empty") }
    let data: JSONValue
    do {
      data = try JSONParser.parse(json)
    } catch {
      throw ProbeError("\(written): the data is not JSON (\(error.description))")
    }
    self = .insertAfter(seq: number, type: type, data: data)
  }

  /// `tags[0].name` as components; `in` is the whole option, for the message.
  static func parsePath(_ text: String, in option: String) throws(ProbeError) -> [PathComponent] {
    var components: [PathComponent] = []
    var name = ""
    var index: String?
    func bad() -> ProbeError {
      ProbeError(
        "--set \(option): \"\(text)\" is not a path such as tag, tags[0] or config.replicas")
    }
    for character in text {
      if var digits = index {
        if character == "]" {
          guard let value = Int(digits), value >= 0 else { throw bad() }
          components.append(.index(value))
          index = nil
        } else {
          digits.append(character)
          index = digits
        }
        continue
      }
      switch character {
      case ".":
        if !name.isEmpty { components.append(.key(name)) }
        name = ""
      case "[":
        if !name.isEmpty { components.append(.key(name)) }
        name = ""
        index = ""
      case "]":
        throw bad()
      default:
        name.append(character)
      }
    }
    guard index == nil else { throw bad() }
    if !name.isEmpty { components.append(.key(name)) }
    guard !components.isEmpty else { throw bad() }
    return components
  }

  /// `events` with `edits` applied and numbered again from 0.
  ///
  /// - Throws: ``ProbeError`` when an edit names a seq that is not among `events`, or a
  ///   `set` path that does not lead into the event's data.
  public static func apply(_ edits: [ThreadEdit], to events: [Event], thread: String)
    throws(ProbeError) -> [Event]
  {
    if edits.isEmpty { return events }
    let known = Set(events.map(\.seq))
    for edit in edits where !known.contains(edit.seq) {
      let range = events.isEmpty ? "none" : "seq \(events[0].seq)–\(events[events.count - 1].seq)"
      throw ProbeError(
        "thread \(thread) has no event with seq \(edit.seq) before the decision (\(range))")
    }
    var edited: [Event] = []
    for var event in events {
      for case .set(let seq, let path, let value) in edits where seq == event.seq {
        do {
          try event.data.replace(at: path[...], with: value)
        } catch let failure {
          let written = path.map(\.description).joined(separator: ".")
            .replacingOccurrences(of: ".[", with: "[")
          throw ProbeError(
            "--set \(seq).\(written): thread \(thread) seq \(seq) (\(event.type)) has no "
              + "\(failure.message)")
        }
      }
      let dropped = edits.contains { $0 == .drop(seq: event.seq) }
      if !dropped { edited.append(event) }
      for case .insertAfter(let seq, let type, let data) in edits where seq == event.seq {
        edited.append(Event(thread: event.thread, seq: 0, type: type, data: data))
      }
    }
    for index in edited.indices { edited[index].seq = index }
    return edited
  }
}
