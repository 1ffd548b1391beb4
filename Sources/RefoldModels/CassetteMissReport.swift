import RefoldCore
import RefoldShared

/// Explains a cassette miss: the nearest recorded request and a line diff against it.
///
/// Requests are compared as readable lines — the model and sampling parameters, each
/// message's role and text lines, each tool call, each tool's schema on one line, the tool
/// choice and response format — so the diff shows what a prompt or spec change did.
enum CassetteMissReport {
  /// At most this many diff lines are shown.
  static let maximumDiffLines = 60

  static func miss(for request: ModelRequest, recorded: [Exchange]) -> ModelSourceError {
    guard !recorded.isEmpty else {
      return .cassetteMiss(
        key: request.key, thread: request.thread,
        detail: "the cassette is empty; record it with the record model source", diff: "")
    }
    if let stale = staleLine(for: request, recorded: recorded) { return stale }
    let sameThread = recorded.filter { $0.thread != nil && $0.thread == request.thread }
    let candidates = sameThread.isEmpty ? recorded : sameThread
    let wanted = readableLines(request.body)
    var best: (exchange: Exchange, edits: [Edit], changed: Int)?
    var seen = Set<String>()
    for exchange in candidates where seen.insert(exchange.key).inserted {
      let edits = diff(readableLines(exchange.request), wanted)
      let changed = edits.filter { $0.kind != .same }.count
      if best == nil || changed < best?.changed ?? .max { best = (exchange, edits, changed) }
    }
    guard let best else {
      return .cassetteMiss(key: request.key, thread: request.thread, detail: "", diff: "")
    }
    let scope = sameThread.isEmpty ? "any thread" : "the same thread"
    let detail =
      "no recorded exchange answers this request; the nearest recorded request (from \(scope)) "
      + "has key \(best.exchange.key)\(best.exchange.thread.map { " (thread \($0))" } ?? "")"
      + " and differs in \(best.changed) line(s) (- recorded, + now):"
    return .cassetteMiss(
      key: request.key, thread: request.thread, detail: detail, diff: render(best.edits))
  }

  /// The miss for a request that a key scheme 1 line answers by its old key: scheme 1
  /// left out fields this request has, so the line may answer a different request and is
  /// not replayed; the sentence says how to re-key the cassette.
  static func staleLine(for request: ModelRequest, recorded: [Exchange]) -> ModelSourceError? {
    let missing = CassetteKey.fieldsMissingFromLegacyKey(request.body)
    guard !missing.isEmpty else { return nil }
    let legacyKey = CassetteKey.legacyKey(for: request.body)
    guard recorded.contains(where: { $0.keyScheme == 1 && $0.key == legacyKey }) else {
      return nil
    }
    return .cassetteMiss(
      key: request.key, thread: request.thread,
      detail: "the cassette answers this request only under key scheme 1 (key \(legacyKey)), "
        + "which left out \(missing.joined(separator: ", ")); re-key the cassette with "
        + "`refold cassette rekey`, or record these requests again", diff: "")
  }

  // MARK: Readable lines

  static func readableLines(_ body: JSONValue) -> [String] {
    var lines: [String] = []
    let members = body.objectValue ?? [:]
    for key in members.keys.sorted() where !["messages", "system", "tools"].contains(key) {
      lines.append("\(key): \(members[key, default: .null].canonicalString)")
    }
    if let system = members["system"] {
      lines.append("system:")
      lines.append(contentsOf: textLines(system))
    }
    for (index, message) in (members["messages"]?.arrayValue ?? []).enumerated() {
      let role = message["role"]?.stringValue ?? "?"
      let answering = message["tool_call_id"]?.stringValue.map { " → \($0)" } ?? ""
      lines.append("message \(index) \(role)\(answering):")
      if let content = message["content"] { lines.append(contentsOf: textLines(content)) }
      for call in message["tool_calls"]?.arrayValue ?? [] {
        let function = call["function"] ?? call
        let name = function["name"]?.stringValue ?? "?"
        let arguments = function["arguments"]?.stringValue ?? function["arguments"]?.canonicalString
        lines.append("  call \(name) \(arguments ?? "{}")")
      }
    }
    for tool in members["tools"]?.arrayValue ?? [] {
      let function = tool["function"] ?? tool
      let name = function["name"]?.stringValue ?? "?"
      let schema = function["parameters"] ?? function["input_schema"] ?? .null
      lines.append("tool \(name): \(schema.canonicalString)")
    }
    return lines
  }

  private static func textLines(_ content: JSONValue) -> [String] {
    switch content {
    case .string(let text):
      return text.split(separator: "\n", omittingEmptySubsequences: false).map { "  | " + $0 }
    case .array(let blocks):
      return blocks.flatMap { block -> [String] in
        switch block["type"]?.stringValue {
        case "text": return textLines(block["text"] ?? "")
        case "tool_use":
          let name = block["name"]?.stringValue ?? "?"
          return ["  call \(name) \((block["input"] ?? .emptyObject).canonicalString)"]
        case "tool_result":
          let id = block["tool_use_id"]?.stringValue ?? "?"
          return ["  result → \(id):"] + textLines(block["content"] ?? "")
        default: return ["  " + block.canonicalString]
        }
      }
    case .null: return []
    default: return ["  " + content.canonicalString]
    }
  }

  // MARK: Line diff

  struct Edit: Equatable {
    enum Kind { case same, removed, added }
    var kind: Kind
    var line: String
  }

  /// A longest-common-subsequence line diff from `old` to `new`.
  static func diff(_ old: [String], _ new: [String]) -> [Edit] {
    // Trim the common prefix and suffix first: prompts mostly differ in a few lines.
    var prefix = 0
    while prefix < old.count, prefix < new.count, old[prefix] == new[prefix] { prefix += 1 }
    var suffix = 0
    while suffix < old.count - prefix, suffix < new.count - prefix,
      old[old.count - 1 - suffix] == new[new.count - 1 - suffix]
    {
      suffix += 1
    }
    let a = Array(old[prefix..<(old.count - suffix)])
    let b = Array(new[prefix..<(new.count - suffix)])
    var table = Array(repeating: Array(repeating: 0, count: b.count + 1), count: a.count + 1)
    for i in stride(from: a.count - 1, through: 0, by: -1) {
      for j in stride(from: b.count - 1, through: 0, by: -1) {
        table[i][j] = a[i] == b[j] ? table[i + 1][j + 1] + 1 : max(table[i + 1][j], table[i][j + 1])
      }
    }
    var edits = old[..<prefix].map { Edit(kind: .same, line: $0) }
    var i = 0
    var j = 0
    while i < a.count || j < b.count {
      if i < a.count, j < b.count, a[i] == b[j] {
        edits.append(Edit(kind: .same, line: a[i]))
        i += 1
        j += 1
      } else if i < a.count, j == b.count || table[i + 1][j] >= table[i][j + 1] {
        edits.append(Edit(kind: .removed, line: a[i]))
        i += 1
      } else {
        edits.append(Edit(kind: .added, line: b[j]))
        j += 1
      }
    }
    edits.append(contentsOf: old[(old.count - suffix)...].map { Edit(kind: .same, line: $0) })
    return edits
  }

  /// Changed lines with one line of context around each change; gaps shown as `  …`.
  static func render(_ edits: [Edit]) -> String {
    var keep = Set<Int>()
    for (index, edit) in edits.enumerated() where edit.kind != .same {
      for near in max(0, index - 1)...min(edits.count - 1, index + 1) { keep.insert(near) }
    }
    var output: [String] = []
    var last = -1
    for index in keep.sorted() {
      if output.count >= maximumDiffLines {
        output.append("  … (more changes)")
        break
      }
      if last >= 0, index > last + 1 { output.append("  …") }
      let edit = edits[index]
      switch edit.kind {
      case .same: output.append("  " + edit.line)
      case .removed: output.append("- " + edit.line)
      case .added: output.append("+ " + edit.line)
      }
      last = index
    }
    return output.joined(separator: "\n")
  }
}
