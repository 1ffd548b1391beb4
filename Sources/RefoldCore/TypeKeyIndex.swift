/// The distinct type keys of one thread, by slot: a linear scan while there are few, a hash
/// chain once there are more than ``scanLimit``.
///
/// Keys can collide (types longer than 16 bytes that share length, head and tail), so a
/// lookup asks the caller whether a slot with the same key really holds the same bytes.
struct TypeKeyIndex {
  /// Slots scanned linearly before the hash chain takes over.
  static let scanLimit = 16

  private var keys: [TypeKey] = []
  /// The next slot with the same key, once `heads` is in use; -1 for none.
  private var next: [Int32] = []
  /// The first slot of each key, once there are too many slots to scan.
  private var heads: [TypeKey: Int32]?

  init() {
    keys.reserveCapacity(Self.scanLimit)
    next.reserveCapacity(Self.scanLimit)
  }

  /// The slot whose key is `key` and for which `sameBytes` holds, if any.
  @inline(__always)
  func find(_ key: TypeKey, sameBytes: (Int) -> Bool) -> Int32? {
    if let heads {
      var slot = heads[key] ?? -1
      while slot >= 0 {
        if sameBytes(Int(slot)) { return slot }
        slot = next[Int(slot)]
      }
      return nil
    }
    for offset in keys.indices where keys[offset] == key {
      if sameBytes(offset) { return Int32(offset) }
    }
    return nil
  }

  /// The key of `slot`.
  func key(of slot: Int32) -> TypeKey { keys[Int(slot)] }

  /// Adds `key` as the next slot and returns that slot.
  mutating func append(_ key: TypeKey) -> Int32 {
    let slot = Int32(keys.count)
    keys.append(key)
    next.append(-1)
    if heads != nil {
      if let head = heads?[key] { next[Int(slot)] = head }
      heads?[key] = slot
    } else if keys.count > Self.scanLimit {
      var heads: [TypeKey: Int32] = [:]
      for offset in keys.indices.reversed() {
        if let head = heads[keys[offset]] { next[offset] = head }
        heads[keys[offset]] = Int32(offset)
      }
      self.heads = heads
    }
    return slot
  }
}
