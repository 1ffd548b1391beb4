/// The classes of one thread's events, worked out once per distinct event type.
///
/// Classifying an event costs several set lookups and string builds, and a thread has many
/// events but few distinct types. This interns each event's `type` by its exact UTF-8 bytes,
/// classifies each distinct type once with the rules of ``Vocabulary/classify(_:in:)``, and
/// leaves only `tool_call` events, whose class depends on their data, to be classified one by
/// one. The classes are the ones `classify(_:in:)` gives each event with
/// ``Vocabulary/threadTypes(_:)`` as the context.
struct ThreadClassification {
  /// One distinct event type of the thread.
  struct Entry {
    /// The type as the events write it.
    let type: String
    /// The type after aliases.
    let canonical: String
    /// The class of every event of this type; nil for `tool_call`, classified per event.
    var eventClass: EventClass?
    /// The index of the first event of this type.
    let first: Int
    let isApproval: Bool
    let isHumanResponse: Bool
    let isToolCall: Bool
    /// Whether some event of this type is directly followed by an `approval` event.
    var precedesApproval = false
    /// The `<intent>_result` type a result type contributes besides itself, if it is one.
    var resultType: String?
    /// Decisions folded under this entry whose count is not yet in `intentCounts`.
    var pendingDecisions = 0
    /// The type's bytes when its key does not hold them all.
    let bytes: [UInt8]
  }

  private(set) var entries: [Entry] = []
  /// The entry of each event, by event index.
  private(set) var slots: [Int32] = []
  /// The context for `tool_call` events, whose classes need the whole thread's types.
  private(set) var context = Vocabulary.ThreadTypes(types: [])
  /// The entries' slots by type key.
  private var index = TypeKeyIndex()

  init(_ events: [Event], vocabulary: Vocabulary) {
    slots.reserveCapacity(events.count)
    entries.reserveCapacity(TypeKeyIndex.scanLimit)
    var hasToolCall = false
    events.withUnsafeBufferPointer { buffer in
      guard let base = buffer.baseAddress else { return }
      for position in buffer.indices {
        let slot = intern(base[position].type, at: position, vocabulary: vocabulary)
        slots.append(slot)
        if entries[Int(slot)].isToolCall { hasToolCall = true }
      }
    }
    if hasToolCall {
      // Rare: a `tool_call` names its intent in its data, which feeds the approval rule.
      let context = vocabulary.threadTypes(events)
      for offset in entries.indices where !entries[offset].isToolCall {
        let data = events[entries[offset].first].data
        entries[offset].eventClass = vocabulary.classify(
          data: data, canonical: entries[offset].canonical, in: context)
      }
      self.context = context
      return
    }
    // No `tool_call`: an event's decision name is its canonical type.
    for position in slots.indices.dropFirst() where entries[Int(slots[position])].isApproval {
      entries[Int(slots[position - 1])].precedesApproval = true
    }
    let facts = entries.map { TypeFacts($0.canonical, vocabulary: vocabulary) }
    for offset in entries.indices {
      entries[offset].resultType = facts[offset].resultType
    }
    let context = EntryFacts(entries: entries)
    for offset in entries.indices {
      let fact = facts[offset]
      let canonical = entries[offset].canonical
      switch fact.fixedClass {
      case .some(let eventClass):
        entries[offset].eventClass = eventClass
      case .none:
        // What `Vocabulary.defaultKind` asks of the thread, in its order.
        if context.requestsApproval(canonical) {
          entries[offset].eventClass = .decision(intent: canonical, kind: .approval)
        } else if context.hasResult(fact.withResultSuffix) {
          entries[offset].eventClass = .decision(intent: canonical, kind: .sync)
        } else {
          entries[offset].eventClass = .other
        }
      }
    }
  }

  /// The class of event `position` (which is `event`).
  @inline(__always)
  func eventClass(at position: Int, of event: UnsafePointer<Event>, vocabulary: Vocabulary)
    -> EventClass
  {
    let slot = Int(slots[position])
    if let eventClass = entries[slot].eventClass { return eventClass }
    return vocabulary.classify(
      data: event.pointee.data, canonical: entries[slot].canonical, in: context)
  }

  /// Counts one decision of event `position` for later (see ``flushDecisions(into:)``).
  @inline(__always)
  mutating func countDecision(at position: Int) {
    entries[Int(slots[position])].pendingDecisions += 1
  }

  /// Adds the decisions counted with ``countDecision(at:)`` to `intentCounts`.
  mutating func flushDecisions(into intentCounts: inout [String: Int]) {
    for offset in entries.indices where entries[offset].pendingDecisions > 0 {
      if case .decision(let intent, _) = entries[offset].eventClass {
        intentCounts[intent, default: 0] += entries[offset].pendingDecisions
      }
      entries[offset].pendingDecisions = 0
    }
  }

  /// The entry for `type`, added when new.
  private mutating func intern(_ type: String, at position: Int, vocabulary: Vocabulary) -> Int32 {
    if let slot = type.utf8.withContiguousStorageIfAvailable({
      intern(type, bytes: $0, at: position, vocabulary: vocabulary)
    }) {
      return slot
    }
    return Array(type.utf8).withUnsafeBufferPointer {
      intern(type, bytes: $0, at: position, vocabulary: vocabulary)
    }
  }

  private mutating func intern(
    _ type: String, bytes: UnsafeBufferPointer<UInt8>, at position: Int, vocabulary: Vocabulary
  ) -> Int32 {
    let key = TypeKey(bytes)
    if let found = find(key, bytes) { return found }
    let canonical = vocabulary.canonicalType(type)
    entries.append(
      Entry(
        type: type, canonical: canonical, first: position, isApproval: canonical == "approval",
        isHumanResponse: canonical == "human_response", isToolCall: canonical == "tool_call",
        bytes: key.isComplete ? [] : Array(bytes)))
    return index.append(key)
  }

  /// The entry whose type has exactly `bytes` (whose key is `key`).
  @inline(__always)
  private func find(_ key: TypeKey, _ bytes: UnsafeBufferPointer<UInt8>) -> Int32? {
    index.find(key) { matches($0, key, bytes) }
  }

  /// Whether entry `offset`, whose key equals `key`, has exactly `bytes`.
  @inline(__always)
  private func matches(_ offset: Int, _ key: TypeKey, _ bytes: UnsafeBufferPointer<UInt8>)
    -> Bool
  {
    key.isComplete || entries[offset].bytes.withUnsafeBufferPointer { $0.elementsEqual(bytes) }
  }
}

/// A type's length and first and last (up to) 8 UTF-8 bytes: all of its bytes up to 16.
struct TypeKey: Hashable {
  let count: Int
  let head: UInt64
  let tail: UInt64

  /// Whether the key holds every byte, so that equal keys mean equal bytes.
  var isComplete: Bool { count <= 16 }

  @inline(__always)
  init(_ bytes: UnsafeBufferPointer<UInt8>) {
    count = bytes.count
    if count >= 8, let base = bytes.baseAddress {
      head = UnsafeRawPointer(base).loadUnaligned(as: UInt64.self)
      tail = UnsafeRawPointer(base + count - 8).loadUnaligned(as: UInt64.self)
    } else {
      var packed: UInt64 = 0
      for byte in bytes { packed = packed << 8 | UInt64(byte) }
      head = packed
      tail = 0
    }
  }
}

/// The default inference rules' questions, answered from a thread's distinct types.
///
/// Equivalent to the sets of ``Vocabulary/threadTypes(_:)`` when no event is a `tool_call`
/// (then an event's decision name is its canonical type).
private struct EntryFacts {
  let entries: [ThreadClassification.Entry]

  func requestsApproval(_ type: String) -> Bool {
    entries.contains { $0.precedesApproval && $0.canonical == type }
  }

  /// Whether the thread's types hold `result` (a type followed by `_result`).
  func hasResult(_ result: String) -> Bool {
    entries.contains { $0.canonical == result || $0.resultType == result }
  }
}
