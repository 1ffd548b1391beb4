import Mustache
import RefoldCore

/// Records names the root context could not resolve while rendering.
///
/// Rendering is synchronous and the recorder lives only for one render call, so it is
/// never shared across threads.
final class LookupRecorder {
  var missing: [String] = []
}

/// The root rendering context: answers lookups from the values and records misses.
struct RootValues: MustacheParent {
  let values: [String: Any]
  let recorder: LookupRecorder

  func child(named name: String) -> Any? {
    if let value = values[name] { return value }
    recorder.missing.append(name)
    return nil
  }
}

/// Walks a template's tags and checks every name against the known variables, scope by
/// scope, without rendering.
struct TemplateChecker {
  let text: String
  let file: String
  /// The variables the template may use.
  var root: PromptTemplate.Shape = PromptTemplate.rootShape
  /// Their names, for the error.
  var known: String = PromptTemplate.variableNames

  /// Checks every tag; returns whether `thread` is only ever inserted as it is (never a
  /// section, nor the argument of a transform), so that its value cannot change what the
  /// rest of the template renders.
  @discardableResult
  func check() throws(AgentSpecError) -> Bool {
    var threadIsPlainText = true
    var start = "{{"
    var end = "}}"
    var scopes: [PromptTemplate.Shape] = [root]
    var sections: [String] = []
    var index = text.startIndex
    var line = 1
    while let open = text.range(of: start, range: index..<text.endIndex) {
      line += text[index..<open.lowerBound].filter { $0 == "\n" }.count
      var contentStart = open.upperBound
      var close = end
      if start == "{{", text[contentStart...].hasPrefix("{") {
        close = "}" + end
        contentStart = text.index(after: contentStart)
      }
      guard let closing = text.range(of: close, range: contentStart..<text.endIndex) else {
        throw failure(line, "a tag opened here is never closed")
      }
      let tag = String(text[contentStart..<closing.lowerBound])
      line += tag.filter { $0 == "\n" }.count
      index = closing.upperBound
      let trimmed = tag.trimmingWhitespace
      guard let sigil = trimmed.first else { throw failure(line, "an empty tag") }
      let body = String(trimmed.dropFirst()).trimmingWhitespace
      switch sigil {
      case "!", "%":
        continue
      case "=":
        let parts = body.dropLast().split(separator: " ", omittingEmptySubsequences: true)
        guard body.hasSuffix("="), parts.count == 2 else {
          throw failure(line, "a set-delimiter tag must read {{=<start> <end>=}}")
        }
        start = String(parts[0])
        end = String(parts[1])
      case ">", "<", "$":
        throw failure(line, "partials and blocks are not supported in prompt templates")
      case "#", "^":
        let shape = try resolve(body, scopes: scopes, line: line)
        if Self.innermostName(body).hasPrefix("thread") { threadIsPlainText = false }
        sections.append(body)
        if sigil == "#" {
          switch shape {
          case .list(let element): scopes.append(element)
          default: scopes.append(shape)
          }
        } else {
          scopes.append(.object([:]))
        }
      case "/":
        guard sections.last == body else {
          throw failure(line, "{{/\(body)}} closes no open section")
        }
        sections.removeLast()
        scopes.removeLast()
      case "&":
        _ = try resolve(body, scopes: scopes, line: line)
        if Self.isTransformed(thread: body) { threadIsPlainText = false }
      default:
        _ = try resolve(trimmed, scopes: scopes, line: line)
        if Self.isTransformed(thread: trimmed) { threadIsPlainText = false }
      }
    }
    if let open = sections.last { throw failure(line, "the section {{#\(open)}} is never closed") }
    return threadIsPlainText
  }

  /// The name a transform call such as `upper(name)` applies to; the name itself otherwise.
  private static func innermostName(_ rawName: String) -> String {
    var name = rawName
    while let open = name.firstIndex(of: "("), name.hasSuffix(")") {
      name = String(name[name.index(after: open)..<name.index(before: name.endIndex)])
    }
    return name
  }

  /// Whether `rawName` is a transform applied to the thread.
  private static func isTransformed(thread rawName: String) -> Bool {
    let name = innermostName(rawName)
    return name != rawName && name.hasPrefix("thread")
  }

  private func resolve(_ rawName: String, scopes: [PromptTemplate.Shape], line: Int)
    throws(AgentSpecError) -> PromptTemplate.Shape
  {
    // A transform call `upper(name)` applies to the innermost name.
    let name = Self.innermostName(rawName)
    if name == "." || name.isEmpty { return scopes.last ?? .text }
    let components = name.split(separator: ".", omittingEmptySubsequences: true).map(String.init)
    guard let first = components.first else { return .text }
    let searched: [PromptTemplate.Shape] =
      name.hasPrefix(".") ? Array(scopes.suffix(1)) : scopes.reversed()
    var found: PromptTemplate.Shape?
    for scope in searched {
      if case .object(let members) = scope, let shape = members[first] {
        found = shape
        break
      }
    }
    guard var shape = found else {
      throw failure(
        line,
        "the template names the unknown variable \"\(rawName)\"; known: "
          + known)
    }
    for component in components.dropFirst() {
      guard case .object(let members) = shape, let next = members[component] else {
        throw failure(
          line,
          "the template names the unknown variable \"\(rawName)\"; known: "
            + known)
      }
      shape = next
    }
    return shape
  }

  private func failure(_ line: Int, _ message: String) -> AgentSpecError {
    AgentSpecError(file: file, line: line, path: "", message: message)
  }
}

extension String {
  fileprivate var trimmingWhitespace: String {
    var slice = Substring(self)
    while let first = slice.first, first.isWhitespace { slice.removeFirst() }
    while let last = slice.last, last.isWhitespace { slice.removeLast() }
    return String(slice)
  }
}
