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
