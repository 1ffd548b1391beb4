/// One immutable fact in a thread.
///
/// `type` says what happened (`slack_message`, `deploy_backend`, `deploy_backend_result`,
/// `error`); `data` is any JSON; `seq` is the position in the thread, from 0 with no gaps.
/// `id` makes an append idempotent; `meta` holds provenance (for a decision, the cassette key
/// of the exchange that produced it; for a deterministic escalation, `escalation: true`).
public struct Event: Sendable, Hashable {
  public var thread: String
  public var seq: Int
  public var type: String
  public var data: JSONValue {
    didSet { encodedData = nil }
  }
  /// An RFC 3339 timestamp as written by whoever recorded the event.
  public var at: String?
  public var id: String?
  public var meta: JSONValue?
  /// The canonical JSON `data` was read from, when its line wrote it so.
  ///
  /// Writers copy these bytes instead of encoding `data` again. They are not part of the
  /// event (equality, hashing and coding ignore them) and are dropped whenever `data` changes.
  package var encodedData: EncodedData?

  public init(
    thread: String, seq: Int, type: String, data: JSONValue = .emptyObject, at: String? = nil,
    id: String? = nil, meta: JSONValue? = nil
  ) {
    self.thread = thread
    self.seq = seq
    self.type = type
    self.data = data
    self.at = at
    self.id = id
    self.meta = meta
  }

  /// Whether `meta.escalation` is true: the runtime, not the model, asked for a human.
  public var isEscalation: Bool { meta?["escalation"]?.boolValue == true }

  public static func == (lhs: Event, rhs: Event) -> Bool {
    lhs.thread == rhs.thread && lhs.seq == rhs.seq && lhs.type == rhs.type
      && lhs.data == rhs.data && lhs.at == rhs.at && lhs.id == rhs.id && lhs.meta == rhs.meta
  }

  public func hash(into hasher: inout Hasher) {
    hasher.combine(thread)
    hasher.combine(seq)
    hasher.combine(type)
    hasher.combine(data)
    hasher.combine(at)
    hasher.combine(id)
    hasher.combine(meta)
  }
}

/// An event's `data` as canonical JSON bytes (sorted keys, no whitespace, no escapes), kept
/// from the line it was read from.
package struct EncodedData: Sendable {
  /// The canonical JSON text.
  package let bytes: [UInt8]
  /// Whether the text holds a fractional number, which `JSONEncoder` spells its own way.
  package let hasFraction: Bool

  package init(bytes: [UInt8], hasFraction: Bool) {
    self.bytes = bytes
    self.hasFraction = hasFraction
  }
}

extension Event: Codable {
  enum CodingKeys: String, CodingKey {
    case thread, seq, type, data, at, id, meta
  }
}

extension Event {
  /// The event as a JSON object (the JSONL line's value).
  public var jsonValue: JSONValue {
    var members: [String: JSONValue] = [
      "thread": .string(thread), "seq": .int(Int64(seq)), "type": .string(type), "data": data,
    ]
    if let at { members["at"] = .string(at) }
    if let id { members["id"] = .string(id) }
    if let meta { members["meta"] = meta }
    return .object(members)
  }

  /// The canonical JSONL line (without the newline).
  ///
  /// Fields come in a fixed, readable order: `thread`, `seq`, `id`, `type`, `data`, `at`,
  /// `meta`; values inside `data` and `meta` are canonical JSON. Import followed by export
  /// gives the same bytes for input already in this form.
  public var jsonLine: String {
    var output: [UInt8] = []
    output.reserveCapacity(128)
    writeLine(into: &output)
    return String(decoding: output, as: UTF8.self)
  }

  /// Appends the canonical JSONL line (without the newline) to `output`.
  public func writeLine(into output: inout [UInt8]) {
    output.append(contentsOf: #"{"thread":"#.utf8)
    JSONValue.writeString(thread, into: &output)
    output.append(contentsOf: #","seq":"#.utf8)
    output.append(contentsOf: String(seq).utf8)
    if let id {
      output.append(contentsOf: #","id":"#.utf8)
      JSONValue.writeString(id, into: &output)
    }
    output.append(contentsOf: #","type":"#.utf8)
    JSONValue.writeString(type, into: &output)
    output.append(contentsOf: #","data":"#.utf8)
    data.writeCanonical(into: &output)
    if let at {
      output.append(contentsOf: #","at":"#.utf8)
      JSONValue.writeString(at, into: &output)
    }
    if let meta {
      output.append(contentsOf: #","meta":"#.utf8)
      meta.writeCanonical(into: &output)
    }
    output.append(UInt8(ascii: "}"))
  }
}
