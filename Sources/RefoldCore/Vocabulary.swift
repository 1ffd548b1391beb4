/// How an intent steers control flow (factor 8).
public enum IntentKind: String, Sendable, Hashable, Codable, CaseIterable {
  /// Run the tool, append its result, continue.
  case sync
  /// Pause before running; resume on an `approval` event.
  case approval
  /// Pause until a `human_response`.
  case human
  /// The thread is done.
  case terminal
}

/// What an event means to the reducer.
public enum EventKind: String, Sendable, Hashable, Codable, CaseIterable {
  case input, decision, result, error, other
}

/// An event classified: its kind, and for decisions and results the intent they concern.
public enum EventClass: Sendable, Hashable {
  case input
  case decision(intent: String, kind: IntentKind)
  /// A tool result; `intent` is nil for a generic `tool_response`.
  case result(intent: String?)
  case error
  case other

  public var kind: EventKind {
    switch self {
    case .input: return .input
    case .decision: return .decision
    case .result: return .result
    case .error: return .error
    case .other: return .other
    }
  }
}

/// Maps event types to kinds: the agent spec's intents and aliases, or the default vocabulary.
///
/// With no spec (raw imported threads) the default rules of DESIGN.md apply: `done_for_now`
/// is terminal; `request_human_input`, `request_more_information` and `request_clarification`
/// are human; a type starting `request_approval` is approval; any other type `T` with a
/// `T_result` event in the same thread, and any `tool_call`, is a sync decision.
public struct Vocabulary: Sendable, Hashable {
  /// Intent names the spec declares, with their kinds.
  public var intents: [String: IntentKind]
  /// Event-type aliases: an alias type is read as its target type (`deploy` → `deploy_backend`).
  public var aliases: [String: String]
  public var inputTypes: Set<String>
  public var errorTypes: Set<String>
  /// Whether the default inference rules apply to types the spec does not name.
  public var infersUndeclared: Bool

  public init(
    intents: [String: IntentKind] = [:], aliases: [String: String] = [:],
    inputTypes: Set<String> = Vocabulary.defaultInputTypes,
    errorTypes: Set<String> = ["error"], infersUndeclared: Bool = true
  ) {
    self.intents = intents
    self.aliases = aliases
    self.inputTypes = inputTypes
    self.errorTypes = errorTypes
    self.infersUndeclared = infersUndeclared
  }

  public static let defaultInputTypes: Set<String> = [
    "user_input", "slack_message", "email", "webhook", "human_response", "approval",
  ]

  /// The default vocabulary for threads with no agent spec.
  public static let `default` = Vocabulary()

  /// Default human intents.
  public static let defaultHumanIntents: Set<String> = [
    "request_human_input", "request_more_information", "request_clarification",
  ]

  /// The canonical type for an event type, after aliases.
  public func canonicalType(_ type: String) -> String { aliases[type] ?? type }

  /// Whether events of `type` are approvals: the input that settles an approval-kind call.
  public func isApproval(_ type: String) -> Bool { canonicalType(type) == "approval" }

  /// Whether events of `type` are human responses: the input that answers a human-kind
  /// decision or an escalation.
  public func isHumanResponse(_ type: String) -> Bool { canonicalType(type) == "human_response" }

  /// Classifies every event of a thread; inference looks at the whole thread given (see
  /// ``ClassTable``: the class of event `k` in `events` is its class in the state after all
  /// of them).
  public func classify(_ events: [Event]) -> [EventClass] {
    events.withUnsafeBufferPointer { buffer in
      let table = ClassTable(buffer, vocabulary: self, snapshot: .empty)
      return buffer.indices.map { table.publicClass(at: $0) }
    }
  }

  /// The canonical intent a `T_result` type answers (`deploy_result` with the alias
  /// `deploy` → `deploy_backend` answers `deploy_backend`), or nil for other types.
  func resultBase(of type: String) -> String? {
    guard type.hasSuffix("_result") else { return nil }
    let base = String(type.dropLast("_result".count))
    return base.isEmpty ? nil : canonicalType(base)
  }

  /// Classifies one event whose canonical type is `type` and whose data is `data` (read for a
  /// `tool_call` only), in a thread that `context` describes: the one set of type rules,
  /// which ``ClassTable`` (with its inference pass) and ``TypeFacts`` apply.
  @inline(__always)
  func classify<Context: ThreadTypeFacts>(
    data: JSONValue, canonical type: String, in context: Context
  ) -> EventClass {
    if inputTypes.contains(type) { return .input }
    if errorTypes.contains(type) { return .error }
    if type == "tool_response" { return .result(intent: nil) }
    if type == "tool_call" {
      if let name = data["intent"]?.stringValue ?? data["name"]?.stringValue {
        let canonical = canonicalType(name)
        return .decision(intent: canonical, kind: kind(ofIntent: canonical, in: context) ?? .sync)
      }
      return .decision(intent: "tool_call", kind: kind(ofIntent: "tool_call", in: context) ?? .sync)
    }
    if let kind = intents[type] { return .decision(intent: type, kind: kind) }
    if let base = resultBase(of: type), intents[base] != nil || infersUndeclared {
      return .result(intent: base)
    }
    if infersUndeclared, !Vocabulary.defaultInputTypes.contains(type),
      let kind = defaultKind(of: type, in: context)
    {
      return .decision(intent: type, kind: kind)
    }
    return .other
  }

  /// The kind of an intent by name, as far as it does not depend on a thread: declared, or
  /// fixed by the default rules (``ThreadMachine/kind(ofIntent:)`` also infers from the
  /// thread).
  public func kind(ofIntent name: String) -> IntentKind? {
    kind(ofIntent: name, in: NoThreadTypes())
  }

  func kind<Context: ThreadTypeFacts>(ofIntent name: String, in context: Context) -> IntentKind? {
    if let kind = intents[name] { return kind }
    guard infersUndeclared else { return nil }
    return defaultKind(of: name, in: context)
  }

  func defaultKind<Context: ThreadTypeFacts>(of type: String, in context: Context)
    -> IntentKind?
  {
    if type == "done_for_now" { return .terminal }
    if Vocabulary.defaultHumanIntents.contains(type) { return .human }
    if type.hasPrefix("request_approval") { return .approval }
    return Vocabulary.inferredKind(
      approvalFollows: context.requestsApproval(type), resultSeen: context.hasResult(for: type))
  }

  /// The default inference rules, in their order.
  ///
  /// A decision name that an `approval` event directly followed is approval-kind; else one
  /// whose `_result` the thread holds is sync; else nothing is inferred.
  /// ``ClassTable/inferClasses()`` applies them to its entries.
  @inline(__always)
  static func inferredKind(approvalFollows: Bool, resultSeen: @autoclosure () -> Bool)
    -> IntentKind?
  {
    if approvalFollows { return .approval }
    if resultSeen() { return .sync }
    return nil
  }
}

/// What the default inference rules ask about a thread: answered by ``ClassTable`` from the
/// events seen so far.
protocol ThreadTypeFacts {
  /// Whether an event of (canonical) `type` is directly followed by an `approval`.
  func requestsApproval(_ type: String) -> Bool
  /// Whether the thread holds a `type_result` event.
  func hasResult(for type: String) -> Bool
}

/// No thread at hand: nothing is inferred from it.
struct NoThreadTypes: ThreadTypeFacts {
  func requestsApproval(_ type: String) -> Bool { false }
  func hasResult(for type: String) -> Bool { false }
}
