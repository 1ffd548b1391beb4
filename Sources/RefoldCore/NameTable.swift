/// The names of one fold: those of a cache snapshot, and the ones the fold met that the
/// snapshot lacks (ids from `snapshot.names.count` on).
struct NameTable {
  let snapshot: TypeClassCache.Snapshot
  private var extra: [String] = []

  init(_ snapshot: TypeClassCache.Snapshot) { self.snapshot = snapshot }

  /// The id of `name`, interned when new.
  mutating func id(_ name: String) -> Int32 {
    if let id = snapshot.nameIDs[name] { return id }
    if let offset = extra.firstIndex(of: name) { return Int32(snapshot.names.count + offset) }
    extra.append(name)
    return Int32(snapshot.names.count + extra.count - 1)
  }

  /// The id of `name` when it is interned already; nil otherwise.
  func existingID(_ name: String) -> Int32? {
    if let id = snapshot.nameIDs[name] { return id }
    return extra.firstIndex(of: name).map { Int32(snapshot.names.count + $0) }
  }

  /// The name of `id`.
  func name(_ id: Int32) -> String {
    let index = Int(id)
    return index < snapshot.names.count
      ? snapshot.names[index] : extra[index - snapshot.names.count]
  }
}
