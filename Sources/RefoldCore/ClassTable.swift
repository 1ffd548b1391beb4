/// The class of every event of one thread, worked out from the events seen so far.
///
/// Each distinct event `type` (told apart by its exact bytes) gets one entry, classified
/// once with the rules of ``Vocabulary/classify(data:canonical:in:)``; a `tool_call` event
/// gets the entry of the intent its data names, since that decides its class. Every name is
/// an interned integer (``NameTable``), so that classifying and folding compare integers.
///
/// Most classes are fixed by the vocabulary alone. The rest are decided by the **inference
/// pass**, ``inferClasses()``, from what the events seen so far hold, by the default
/// vocabulary's rules (``Vocabulary/inferredKind(approvalFollows:resultSeen:)``): a decision
/// name `T` that an `approval` event directly followed is an approval-kind decision; else a
/// `T` with a `T_result` event is a sync decision; else it keeps its fallback (`other`, or a
/// sync call for a `tool_call`). What the
/// pass reads only grows as events arrive, so a class only moves up, from its fallback to a
/// sync decision to an approval-kind one: an entry changes class at most twice.
struct ClassTable {
  /// One distinct event type of the thread, or one intent that `tool_call` events name.
  struct Entry {
    /// The index of the first event of this entry (for a type: the one whose `type` holds
    /// the bytes).
    let first: Int
    let info: TypeInfo
    /// What a decision of this entry decides: the canonical type, or the named intent.
    let decisionName: Int32
    /// `decisionName + "_result"`, what the inference pass looks for.
    let withResultSuffix: Int32
    /// The class when the events tell nothing; nil when the vocabulary fixes the class.
    let fallback: CompactClass?
    /// Whether the entry is found by its type bytes (a named `tool_call` entry is not).
    let isKeyed: Bool
    /// The class of every event of this entry.
    var eventClass: CompactClass
    /// Whether some event of this entry was directly followed by an `approval` event.
    var precedesApproval = false
  }

  let vocabulary: Vocabulary
  private(set) var entries: [Entry] = []
  /// The entry of each event, by event index.
  private(set) var slots: [Int32] = []
  /// The names the entries' ids stand for.
  private(set) var names: NameTable
  /// Types the reducer's cache did not know, to be remembered.
  private(set) var learned: [TypeClassCache.Learned] = []
  /// The entries' slots by type key.
  private var index = TypeKeyIndex()
  /// The entries of `tool_call` events by the intent they name.
  private var namedCalls: [Int32: Int32] = [:]
  /// Whether some entry's class is left to the inference pass.
  private var infers = false

  init(vocabulary: Vocabulary, snapshot: TypeClassCache.Snapshot, capacity: Int = 0) {
    self.vocabulary = vocabulary
    names = NameTable(snapshot)
    slots.reserveCapacity(capacity)
    entries.reserveCapacity(TypeKeyIndex.scanLimit)
  }

  /// Adds the events of `events` and runs the inference pass once.
  init(
    _ events: UnsafeBufferPointer<Event>, vocabulary: Vocabulary, snapshot: TypeClassCache.Snapshot
  ) {
    self.init(vocabulary: vocabulary, snapshot: snapshot, capacity: events.count)
    for position in events.indices { add(events, at: position) }
    inferClasses()
  }

  /// The class of event `position`.
  @inline(__always)
  func eventClass(at position: Int) -> CompactClass { entries[Int(slots[position])].eventClass }

  /// The class of event `position` (which must have been added), with names.
  func publicClass(at position: Int) -> EventClass {
    let eventClass = eventClass(at: position)
    switch eventClass.kind {
    case .input: return .input
    case .decision:
      return .decision(intent: names.name(eventClass.intent), kind: eventClass.intentKind)
    case .result:
      return .result(intent: eventClass.intent < 0 ? nil : names.name(eventClass.intent))
    case .error: return .error
    case .other: return .other
    }
  }

  /// Adds event `position` of `events` (the events before it are added already).
  ///
  /// Returns whether what the inference pass reads changed: a new entry, or an `approval`
  /// after an entry no approval followed before. Classes are not updated until
  /// ``inferClasses()`` runs.
  @discardableResult
  @inline(__always)
  mutating func add(_ events: UnsafeBufferPointer<Event>, at position: Int) -> Bool {
    let known = entries.count
    var slot = intern(events, at: position)
    if entries[Int(slot)].info.isToolCall { slot = namedCall(events[position], at: position, slot) }
    slots.append(slot)
    var changed = entries.count != known
    if entries[Int(slot)].info.isApproval, position > 0 {
      let previous = Int(slots[position - 1])
      if !entries[previous].precedesApproval {
        entries[previous].precedesApproval = true
        changed = true
      }
    }
    return changed && infers
  }

  /// The inference pass: decides every class the vocabulary leaves to the thread, from the
  /// entries added so far.
  ///
  /// Returns the first event index of the earliest entry whose class changed, or nil when
  /// none did.
  @discardableResult
  mutating func inferClasses() -> Int? {
    guard infers else { return nil }
    var earliest: Int?
    for offset in entries.indices {
      guard let fallback = entries[offset].fallback else { continue }
      let name = entries[offset].decisionName
      let kind = Vocabulary.inferredKind(
        approvalFollows: entries.contains { $0.precedesApproval && $0.decisionName == name },
        resultSeen: hasResult(entries[offset].withResultSuffix))
      let inferred =
        kind.map { CompactClass(kind: .decision, intentKind: $0, intent: name) } ?? fallback
      if inferred != entries[offset].eventClass {
        entries[offset].eventClass = inferred
        earliest = min(earliest ?? entries[offset].first, entries[offset].first)
      }
    }
    return earliest
  }

  /// Whether the thread holds the `_result` type `result` (as a type, or as the
  /// `<intent>_result` a result type answers after aliases).
  private func hasResult(_ result: Int32) -> Bool {
    entries.contains { $0.info.canonical == result || $0.info.resultType == result }
  }

  /// The kind of an intent by name in this thread: declared, or inferred from the events
  /// seen so far; nil when an event of that type would not be a decision on it.
  func kind(ofIntent name: String) -> IntentKind? {
    let facts = Facts(table: self)
    guard
      case .decision(let intent, let kind) = vocabulary.classify(
        data: .null, canonical: name, in: facts), intent == name
    else { return nil }
    return kind
  }

  /// The inference rules' questions, answered by name from the entries.
  private struct Facts: ThreadTypeFacts {
    let table: ClassTable
    func requestsApproval(_ type: String) -> Bool {
      guard let id = table.names.existingID(type) else { return false }
      return table.entries.contains { $0.precedesApproval && $0.decisionName == id }
    }
    func hasResult(for type: String) -> Bool {
      guard let id = table.names.existingID(type + "_result") else { return false }
      return table.hasResult(id)
    }
  }

  /// The entry of the intent a `tool_call` event names; `slot` (the type's entry) when it
  /// names none.
  private mutating func namedCall(_ event: Event, at position: Int, _ slot: Int32) -> Int32 {
    guard let named = event.data["intent"]?.stringValue ?? event.data["name"]?.stringValue
    else { return slot }
    let canonical = vocabulary.canonicalType(named)
    let id = names.id(canonical)
    if let found = namedCalls[id] { return found }
    let probe = InferenceProbe()
    let kind = vocabulary.kind(ofIntent: canonical, in: probe) ?? .sync
    let fixed = CompactClass(kind: .decision, intentKind: kind, intent: id)
    let entry = Entry(
      first: position, info: entries[Int(slot)].info, decisionName: id,
      withResultSuffix: names.id(canonical + "_result"), fallback: probe.asked ? fixed : nil,
      isKeyed: false, eventClass: fixed)
    if probe.asked { infers = true }
    entries.append(entry)
    let added = index.append(index.key(of: slot))
    namedCalls[id] = added
    return added
  }

  /// The entry for event `position`'s type, added when new.
  @inline(__always)
  private mutating func intern(_ events: UnsafeBufferPointer<Event>, at position: Int) -> Int32 {
    // Read in place: copying the type out would retain and release its storage.
    if let slot = events[position].type.utf8.withContiguousStorageIfAvailable({
      intern(events, bytes: $0, at: position)
    }) {
      return slot
    }
    return Array(events[position].type.utf8).withUnsafeBufferPointer {
      intern(events, bytes: $0, at: position)
    }
  }

  @inline(__always)
  private mutating func intern(
    _ events: UnsafeBufferPointer<Event>, bytes: UnsafeBufferPointer<UInt8>, at position: Int
  ) -> Int32 {
    let key = TypeKey(bytes)
    if let found = index.find(key, sameBytes: { matches($0, key, bytes, in: events) }) {
      return found
    }
    return addType(events, key: key, bytes: bytes, at: position)
  }

  private mutating func addType(
    _ events: UnsafeBufferPointer<Event>, key: TypeKey, bytes: UnsafeBufferPointer<UInt8>,
    at position: Int
  ) -> Int32 {
    let info: TypeInfo
    if let known = names.snapshot.find(key, bytes) {
      info = known
    } else {
      let type = events[position].type
      let canonical = vocabulary.canonicalType(type)
      let facts = TypeFacts(canonical, vocabulary: vocabulary)
      var table = names
      info = TypeInfo(canonical: canonical, facts: facts, name: { table.id($0) })
      names = table
      if names.snapshot.infos.count + learned.count < TypeClassCache.capacity {
        learned.append(.init(type: type, canonical: canonical, facts: facts))
      }
    }
    let fallback: CompactClass?
    if info.fixedClass != nil {
      fallback = nil
    } else if info.isToolCall {
      fallback = CompactClass(kind: .decision, intentKind: .sync, intent: info.canonical)
    } else {
      fallback = CompactClass(kind: .other)
    }
    if fallback != nil { infers = true }
    entries.append(
      Entry(
        first: position, info: info, decisionName: info.canonical,
        withResultSuffix: info.withResultSuffix, fallback: fallback, isKeyed: true,
        eventClass: info.fixedClass ?? fallback ?? CompactClass(kind: .other)))
    return index.append(key)
  }

  /// Whether entry `offset`, whose key equals `key`, has exactly `bytes`.
  @inline(__always)
  private func matches(
    _ offset: Int, _ key: TypeKey, _ bytes: UnsafeBufferPointer<UInt8>,
    in events: UnsafeBufferPointer<Event>
  ) -> Bool {
    guard entries[offset].isKeyed else { return false }
    if key.isComplete { return true }
    let first = entries[offset].first
    return events[first].type.utf8.withContiguousStorageIfAvailable {
      TypeKey.middlesEqual($0, bytes)
    } ?? events[first].type.utf8.elementsEqual(bytes)
  }
}
