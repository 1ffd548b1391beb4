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
final class InferenceProbe: ThreadTypeFacts {
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

/// The event types a reducer has met and what its vocabulary says of them, shared by its
/// folds.
///
/// Owned by one ``ThreadReducer`` and replaced when its vocabulary changes, so the facts
/// always belong to the vocabulary in use. Types are told apart by their exact bytes; the
/// names they mention (canonical types, intents, `_result` types) are interned as small
/// integers, equal when the strings are equal, so that a fold compares integers instead of
/// strings. A fold reads one immutable ``Snapshot`` without holding the lock; what it learns
/// is published as a new snapshot.
final class TypeClassCache: Sendable {
  private let current = Mutex(Snapshot.empty)
  /// Types remembered at most, so that threads of ever-new types cannot grow it without end.
  static let capacity = 4096

  /// The types learned so far.
  var snapshot: Snapshot { current.withLock { $0 } }

  /// A type learned by a fold, to be remembered.
  struct Learned {
    let type: String
    let canonical: String
    let facts: TypeFacts
  }

  /// Remembers `learned` (while there is room) in a new snapshot.
  func remember(_ learned: [Learned]) {
    current.withLock { snapshot in
      guard snapshot.infos.count < Self.capacity else { return }
      var builder = Snapshot.Builder(snapshot)
      for item in learned where builder.infos.count < Self.capacity {
        builder.add(item)
      }
      snapshot = builder.build()
    }
  }

  /// An immutable table of learned types: type bytes → ``TypeInfo``, and the interned names.
  final class Snapshot: Sendable {
    /// Interned names by id.
    let names: [String]
    /// Name ids by name (Swift string equality, as the reducer's dictionaries use).
    let nameIDs: [String: Int32]
    let keys: [TypeKey]
    /// A type's bytes when its key does not hold them all; empty otherwise.
    let longBytes: [[UInt8]]
    let infos: [TypeInfo]
    /// Open addressing over `keys`: type indexes, -1 for empty; a power of two long.
    let table: [Int32]

    static let empty = Snapshot(
      names: [], nameIDs: [:], keys: [], longBytes: [], infos: [], table: [-1])

    init(
      names: [String], nameIDs: [String: Int32], keys: [TypeKey], longBytes: [[UInt8]],
      infos: [TypeInfo], table: [Int32]
    ) {
      self.names = names
      self.nameIDs = nameIDs
      self.keys = keys
      self.longBytes = longBytes
      self.infos = infos
      self.table = table
    }

    /// The info of the type with exactly `bytes` (whose key is `key`), if learned.
    @inline(__always)
    func find(_ key: TypeKey, _ bytes: UnsafeBufferPointer<UInt8>) -> TypeInfo? {
      let mask = table.count - 1
      var bucket = key.bucketHash & mask
      while true {
        let index = Int(table[bucket])
        if index < 0 { return nil }
        if keys[index] == key
          && (key.isComplete
            || longBytes[index].withUnsafeBufferPointer { TypeKey.middlesEqual($0, bytes) })
        {
          return infos[index]
        }
        bucket = (bucket + 1) & mask
      }
    }

    /// Adds types to a copy of a snapshot.
    struct Builder {
      var names: [String]
      var nameIDs: [String: Int32]
      var keys: [TypeKey]
      var longBytes: [[UInt8]]
      var infos: [TypeInfo]

      init(_ snapshot: Snapshot) {
        names = snapshot.names
        nameIDs = snapshot.nameIDs
        keys = snapshot.keys
        longBytes = snapshot.longBytes
        infos = snapshot.infos
      }

      mutating func add(_ learned: Learned) {
        let bytes = Array(learned.type.utf8)
        let key = bytes.withUnsafeBufferPointer { TypeKey($0) }
        for index in keys.indices where keys[index] == key {
          if key.isComplete || longBytes[index] == bytes { return }
        }
        let info = TypeInfo(
          canonical: learned.canonical, facts: learned.facts,
          name: { name in
            if let id = nameIDs[name] { return id }
            let id = Int32(names.count)
            names.append(name)
            nameIDs[name] = id
            return id
          })
        keys.append(key)
        longBytes.append(key.isComplete ? [] : bytes)
        infos.append(info)
      }

      func build() -> Snapshot {
        var size = 8
        while size < 2 * keys.count { size *= 2 }
        var table = [Int32](repeating: -1, count: size)
        for (index, key) in keys.enumerated() {
          var bucket = key.bucketHash & (size - 1)
          while table[bucket] >= 0 { bucket = (bucket + 1) & (size - 1) }
          table[bucket] = Int32(index)
        }
        return Snapshot(
          names: names, nameIDs: nameIDs, keys: keys, longBytes: longBytes, infos: infos,
          table: table)
      }
    }
  }
}

extension TypeKey {
  /// A cheap hash for the cache's open-addressing table (not for untrusted collisions: a
  /// bad spread only costs probes).
  @inline(__always)
  var bucketHash: Int {
    let mixed = (head &* 0x9E37_79B9_7F4A_7C15) ^ (tail &* 0xC2B2_AE3D_27D4_EB4F) ^ UInt64(count)
    return Int(truncatingIfNeeded: mixed ^ (mixed >> 29))
  }
}
