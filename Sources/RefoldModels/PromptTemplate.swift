import Mustache
import RefoldCore

/// A checked Mustache prompt template.
///
/// The variables are `thread` (the rendered context), `intents` (a list; each has `name`,
/// `kind`, `description` and `params`, the parameter schema as JSON), `output_instructions`
/// (how to answer in the spec's output mode) and `agent` (with `name`). Values are inserted
/// as they are: no HTML escaping.
///
/// A template that names any other variable is refused when it is created, wherever the
/// name appears (also inside a section that would render nothing); rendering also records
/// every lookup and refuses a name it could not resolve, so an unknown variable never
/// becomes a silent empty string. Partials and template inheritance are not supported: a
/// prompt is one file.
///
/// ```swift
/// let template = try PromptTemplate("You are {{agent.name}}.\n{{thread}}", path: "p.mustache")
/// let prompt = try template.render(PromptValues(thread: "…", intents: spec.intents,
///                                              outputInstructions: "…", agentName: "deploybot"))
/// ```
public struct PromptTemplate: Sendable {
  /// The template text as written.
  public let text: String
  /// Where the template came from, for error messages.
  public let path: String?
  private let template: MustacheTemplate

  /// The variables a template may use, with what each holds.
  static let rootShape = Shape.object([
    "thread": .text,
    "intents": .list(
      .object(["name": .text, "kind": .text, "description": .text, "params": .text])),
    "output_instructions": .text,
    "agent": .object(["name": .text]),
  ])

  /// Parses and checks `text`.
  ///
  /// - Throws: ``AgentSpecError`` with the template's path and line for a syntax error, an
  ///   unknown variable, a partial or a block.
  public init(_ text: String, path: String? = nil) throws(AgentSpecError) {
    self.text = text
    self.path = path
    try TemplateChecker(text: text, file: path ?? "prompt template").check()
    do {
      template = try MustacheTemplate(string: "{{% CONTENT_TYPE: TEXT}}" + text)
    } catch let error as MustacheTemplate.ParserError {
      throw AgentSpecError(
        file: path ?? "prompt template", line: error.context.lineNumber, path: "",
        message: "invalid Mustache (\(error.error)) in: \(error.context.line)")
    } catch {
      throw AgentSpecError(
        file: path ?? "prompt template", path: "", message: "invalid Mustache (\(error))")
    }
  }

  /// Renders the template.
  ///
  /// - Throws: ``AgentSpecError`` when a lookup found no variable (the checker makes this
  ///   rare: it guards against names resolved only at render time).
  public func render(_ values: PromptValues) throws(AgentSpecError) -> String {
    let recorder = LookupRecorder()
    let root = RootValues(values: values.mustacheValues, recorder: recorder)
    let output = template.render(root)
    if let missing = recorder.missing.first {
      throw AgentSpecError(
        file: path ?? "prompt template", path: "",
        message: "the template names the unknown variable \"\(missing)\"; known: "
          + Self.variableNames)
    }
    return output
  }

  static var variableNames: String {
    "agent.name, intents (name, kind, description, params), output_instructions, thread"
  }

  /// The kinds of values a template can see, for the static check.
  indirect enum Shape: Sendable {
    case text
    case list(Shape)
    case object([String: Shape])
  }
}

/// What a prompt template is rendered with.
public struct PromptValues: Sendable, Hashable {
  /// The rendered context (empty for `chat-messages`, where the thread is the messages).
  public var thread: String
  public var intents: [IntentSpec]
  public var outputInstructions: String
  public var agentName: String

  public init(thread: String, intents: [IntentSpec], outputInstructions: String, agentName: String)
  {
    self.thread = thread
    self.intents = intents
    self.outputInstructions = outputInstructions
    self.agentName = agentName
  }

  var mustacheValues: [String: Any] {
    [
      "thread": thread,
      "intents": intents.map { intent -> [String: Any] in
        [
          "name": intent.name, "kind": intent.kind.rawValue, "description": intent.description,
          "params": intent.parameters.canonicalString,
        ]
      },
      "output_instructions": outputInstructions,
      "agent": ["name": agentName] as [String: Any],
    ]
  }
}

/// Records names the root context could not resolve while rendering.
///
/// Rendering is synchronous and the recorder lives only for one render call, so it is
/// never shared across threads.
private final class LookupRecorder {
  var missing: [String] = []
}

/// The root rendering context: answers lookups from the values and records misses.
private struct RootValues: MustacheParent {
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
private struct TemplateChecker {
  let text: String
  let file: String

  func check() throws(AgentSpecError) {
    var start = "{{"
    var end = "}}"
    var scopes: [PromptTemplate.Shape] = [PromptTemplate.rootShape]
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
      default:
        _ = try resolve(trimmed, scopes: scopes, line: line)
      }
    }
    if let open = sections.last { throw failure(line, "the section {{#\(open)}} is never closed") }
  }

  private func resolve(_ rawName: String, scopes: [PromptTemplate.Shape], line: Int)
    throws(AgentSpecError) -> PromptTemplate.Shape
  {
    // A transform call `upper(name)` applies to the innermost name.
    var name = rawName
    while let open = name.firstIndex(of: "("), name.hasSuffix(")") {
      name = String(name[name.index(after: open)..<name.index(before: name.endIndex)])
    }
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
          + PromptTemplate.variableNames)
    }
    for component in components.dropFirst() {
      guard case .object(let members) = shape, let next = members[component] else {
        throw failure(
          line,
          "the template names the unknown variable \"\(rawName)\"; known: "
            + PromptTemplate.variableNames)
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
