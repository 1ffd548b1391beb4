import Synchronization

/// What classifying a canonical event type yields apart from the thread it is in.
struct TypeFacts: Sendable {
  /// The class, when the thread does not matter; nil when the default inference rules decide
  /// from the thread (an approval after it, or a `_result` of it, makes it a decision).
  let fixedClass: EventClass?
  /// `type + "_result"`, what the inference rules look for.
  let withResultSuffix: String
  /// The `<intent>_result` type a result type adds to its thread's types, if it is one.
  let resultType: String?

  init(_ canonical: String, vocabulary: Vocabulary) {
    let probe = InferenceProbe()
    let eventClass = vocabulary.classify(data: .null, canonical: canonical, in: probe)
    fixedClass = probe.asked ? nil : eventClass
    withResultSuffix = canonical + "_result"
    resultType = vocabulary.resultBase(of: canonical).map { $0 + "_result" }
  }
}

/// Records whether classification asked about the thread; answers as an empty thread would.
private final class InferenceProbe: ThreadTypeFacts {
  var asked = false
  func requestsApproval(_ type: String) -> Bool {
    asked = true
    return false
  }
  func hasResult(for type: String) -> Bool {
    asked = true
    return false
  }
}

/// ``TypeFacts`` of the event types a reducer has met, shared by its folds.
///
/// Owned by one ``ThreadReducer`` and replaced when its vocabulary changes, so the facts
/// always belong to the vocabulary in use. Keys are the types' exact bytes.
final class TypeClassCache: Sendable {
  private struct Key: Hashable {
    let type: TypeKey
    /// The bytes when `type` does not hold them all; empty otherwise.
    let bytes: [UInt8]

    // The short key tells types apart well enough; `==` still compares every byte.
    func hash(into hasher: inout Hasher) { hasher.combine(type) }
  }

  private let table = Mutex<[Key: TypeFacts]>([:])
  /// Types remembered at most, so that threads of ever-new types cannot grow it without end.
  static let capacity = 4096

  /// Fills `facts[k]` for each entry whose type is remembered.
  func lookUp(_ entries: [ThreadClassification.Entry], into facts: inout [TypeFacts?]) {
    table.withLock { table in
      for offset in entries.indices {
        facts[offset] = table[Key(type: entries[offset].key, bytes: entries[offset].bytes)]
      }
    }
  }

  /// Remembers facts learned for some entries.
  func remember(_ learned: [(Int, TypeFacts)], of entries: [ThreadClassification.Entry]) {
    table.withLock { table in
      for (offset, facts) in learned where table.count < Self.capacity {
        table[Key(type: entries[offset].key, bytes: entries[offset].bytes)] = facts
      }
    }
  }
}
