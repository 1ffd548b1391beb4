/// The classes of one thread's events for ``ThreadReducer/fold(_:upTo:)``, as trivial values.
///
/// Like ``ThreadClassification`` it interns each event's `type` by its exact bytes and
/// classifies each distinct type once, with the rules of ``Vocabulary/classify(_:in:)``; but
/// what it knows of a type comes from the reducer's ``TypeClassCache`` and every name is an
/// integer, so that classifying a thread, and folding it, compares integers instead of
/// strings and copies no reference-counted values. Threads with a `tool_call` event, whose
/// class depends on its data, are left to ``ThreadClassification``.
struct FoldClassification {
  /// One distinct event type of the thread.
  struct Entry {
    /// The index of the first event of this type (whose `type` holds the bytes).
    let first: Int
    let info: TypeInfo
    /// The class of every event of this type in this thread.
    var eventClass = CompactClass(kind: .other)
    /// Whether some event of this type is directly followed by an `approval` event.
    var precedesApproval = false
    /// Decisions of this type folded so far.
    var decisions = 0
  }

  private(set) var entries: [Entry] = []
  /// The entry of each event, by event index.
  private(set) var slots: [Int32] = []
  /// The names the entries' ids stand for.
  private(set) var names: NameTable
  /// Types the cache did not know, to be remembered.
  private(set) var learned: [TypeClassCache.Learned] = []
  /// The entries' slots by type key.
  private var index = TypeKeyIndex()

  /// Classifies `events`; nil when one of them is a `tool_call`.
  init?(
    _ events: UnsafeBufferPointer<Event>, vocabulary: Vocabulary,
    snapshot: TypeClassCache.Snapshot
  ) {
    names = NameTable(snapshot)
    slots.reserveCapacity(events.count)
    entries.reserveCapacity(TypeKeyIndex.scanLimit)
    for position in events.indices {
      let slot = intern(events, at: position, vocabulary: vocabulary)
      if entries[Int(slot)].info.isToolCall { return nil }
      slots.append(slot)
    }
    for position in slots.indices.dropFirst() where entries[Int(slots[position])].info.isApproval {
      entries[Int(slots[position - 1])].precedesApproval = true
    }
    for offset in entries.indices {
      let info = entries[offset].info
      if let fixed = info.fixedClass {
        entries[offset].eventClass = fixed
        continue
      }
      // What `Vocabulary.defaultKind` asks of the thread, in its order.
      if entries.contains(where: { $0.precedesApproval && $0.info.canonical == info.canonical }) {
        entries[offset].eventClass = CompactClass(
          kind: .decision, intentKind: .approval, intent: info.canonical)
      } else if entries.contains(where: {
        $0.info.canonical == info.withResultSuffix || $0.info.resultType == info.withResultSuffix
      }) {
        entries[offset].eventClass = CompactClass(
          kind: .decision, intentKind: .sync, intent: info.canonical)
      }
    }
  }

  /// Counts one decision of event `position`'s type.
  @inline(__always)
  mutating func countDecision(slot: Int) { entries[slot].decisions += 1 }

  /// Decisions made, per intent, from the counts of ``countDecision(slot:)``.
  func intentCounts() -> [String: Int] {
    var counts = [String: Int](minimumCapacity: entries.count)
    for entry in entries where entry.decisions > 0 {
      counts[names.name(entry.eventClass.intent), default: 0] += entry.decisions
    }
    return counts
  }

  /// The entry for event `position`'s type, added when new.
  private mutating func intern(
    _ events: UnsafeBufferPointer<Event>, at position: Int, vocabulary: Vocabulary
  ) -> Int32 {
    // Read in place: copying the type out would retain and release its storage.
    if let slot = events[position].type.utf8.withContiguousStorageIfAvailable({
      intern(events, bytes: $0, at: position, vocabulary: vocabulary)
    }) {
      return slot
    }
    return Array(events[position].type.utf8).withUnsafeBufferPointer {
      intern(events, bytes: $0, at: position, vocabulary: vocabulary)
    }
  }

  private mutating func intern(
    _ events: UnsafeBufferPointer<Event>, bytes: UnsafeBufferPointer<UInt8>, at position: Int,
    vocabulary: Vocabulary
  ) -> Int32 {
    let key = TypeKey(bytes)
    if let found = find(key, bytes, in: events) { return found }
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
    entries.append(Entry(first: position, info: info))
    return index.append(key)
  }

  /// The entry whose type has exactly `bytes` (whose key is `key`).
  @inline(__always)
  private func find(
    _ key: TypeKey, _ bytes: UnsafeBufferPointer<UInt8>, in events: UnsafeBufferPointer<Event>
  ) -> Int32? {
    index.find(key) { matches($0, key, bytes, in: events) }
  }

  /// Whether entry `offset`, whose key equals `key`, has exactly `bytes`.
  @inline(__always)
  private func matches(
    _ offset: Int, _ key: TypeKey, _ bytes: UnsafeBufferPointer<UInt8>,
    in events: UnsafeBufferPointer<Event>
  ) -> Bool {
    if key.isComplete { return true }
    let first = entries[offset].first
    return events[first].type.utf8.withContiguousStorageIfAvailable {
      TypeKey.middlesEqual($0, bytes)
    } ?? events[first].type.utf8.elementsEqual(bytes)
  }
}

extension TypeKey {
  /// Whether two byte strings with equal keys (so equal length, head and tail) are equal:
  /// compares what the key leaves out, 8 bytes at a time.
  @inline(__always)
  static func middlesEqual(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>)
    -> Bool
  {
    guard let left = a.baseAddress, let right = b.baseAddress else { return a.count == b.count }
    var offset = 8
    // The last 8 bytes are in the key; unaligned 8-byte loads stay inside both buffers.
    while offset < a.count - 8 {
      let end = min(offset, a.count - 16) + 8
      let start = end - 8
      if UnsafeRawPointer(left + start).loadUnaligned(as: UInt64.self)
        != UnsafeRawPointer(right + start).loadUnaligned(as: UInt64.self)
      {
        return false
      }
      offset = end
    }
    return true
  }
}
