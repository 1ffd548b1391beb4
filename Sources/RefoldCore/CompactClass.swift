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
