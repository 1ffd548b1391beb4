/// What the fold needs to know of one event type, with every name as an interned id.
///
/// Ids come from a ``TypeClassCache/Snapshot`` (or a fold's ``NameTable`` built on one):
/// two ids are equal exactly when their strings are.
struct TypeInfo: Sendable {
  /// The type after aliases.
  let canonical: Int32
  let isApproval: Bool
  let isHumanResponse: Bool
  let isToolCall: Bool
  /// The class of every event of this type when the thread does not matter.
  let fixedClass: CompactClass?
  /// `canonical + "_result"`.
  let withResultSuffix: Int32
  /// The `<intent>_result` type a result type adds to its thread's types; -1 when none.
  let resultType: Int32

  /// The info of a type whose canonical form is `canonical`, with `name` interning names.
  init(canonical: String, facts: TypeFacts, name: (String) -> Int32) {
    self.canonical = name(canonical)
    isApproval = canonical == "approval"
    isHumanResponse = canonical == "human_response"
    isToolCall = canonical == "tool_call"
    fixedClass = facts.fixedClass.map { CompactClass($0, name: name) }
    withResultSuffix = name(facts.withResultSuffix)
    resultType = facts.resultType.map(name) ?? -1
  }
}

/// An ``EventClass`` whose intent is an interned name id: a trivial value, cheap to copy.
struct CompactClass: Sendable, Equatable {
  enum Kind: UInt8, Sendable {
    case input, decision, result, error, other
  }

  var kind: Kind
  /// The kind of a decision's intent (`.sync` otherwise).
  var intentKind: IntentKind
  /// The intent of a decision or a result; -1 for a result of any tool (`tool_response`).
  var intent: Int32

  init(kind: Kind, intentKind: IntentKind = .sync, intent: Int32 = -1) {
    self.kind = kind
    self.intentKind = intentKind
    self.intent = intent
  }

  init(_ eventClass: EventClass, name: (String) -> Int32) {
    switch eventClass {
    case .input: self.init(kind: .input)
    case .decision(let intent, let kind):
      self.init(kind: .decision, intentKind: kind, intent: name(intent))
    case .result(let intent): self.init(kind: .result, intent: intent.map(name) ?? -1)
    case .error: self.init(kind: .error)
    case .other: self.init(kind: .other)
    }
  }
}

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

  /// The name of `id`.
  func name(_ id: Int32) -> String {
    let index = Int(id)
    return index < snapshot.names.count
      ? snapshot.names[index] : extra[index - snapshot.names.count]
  }
}
