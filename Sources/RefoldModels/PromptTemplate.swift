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
  /// Whether `thread` is only ever inserted as it is (see ``prepared(_:)``).
  private let threadIsPlainText: Bool

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
    threadIsPlainText = try TemplateChecker(text: text, file: path ?? "prompt template").check()
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

  /// The template rendered once with every value but the thread, when the thread is only
  /// ever inserted as it is; nil otherwise, or when rendering fails (``render(_:)`` then
  /// reports why).
  ///
  /// A builder that renders the same spec for many threads renders the template once this
  /// way and then only splices each thread in; the text is byte for byte what ``render(_:)``
  /// gives. As a check, the pieces must reproduce two more full renderings (with another
  /// thread and with an empty one), or nil is returned.
  func prepared(_ values: PromptValues) -> PreparedPrompt? {
    guard threadIsPlainText else { return nil }
    // Mixed case and control characters: no transform leaves them as they are, and no
    // spec text is likely to contain them (if one does, the checks below fail).
    let marks = ["\u{1}Refold-Thread-A\u{2}", "\u{1}Refold-Thread-B\u{2}", ""]
    var rendered: [String] = []
    for mark in marks {
      var withMark = values
      withMark.thread = mark
      guard let text = try? render(withMark) else { return nil }
      rendered.append(text)
    }
    let prepared = PreparedPrompt(pieces: Self.split(rendered[0], at: marks[0]))
    for (mark, text) in zip(marks, rendered)
    where !prepared.render(thread: mark).utf8.elementsEqual(text.utf8) {
      return nil
    }
    return prepared
  }

  /// The texts between the occurrences of the ASCII `mark` in `text`.
  private static func split(_ text: String, at mark: String) -> [String] {
    let bytes = Array(text.utf8)
    let markBytes = Array(mark.utf8)
    var pieces: [String] = []
    var start = 0
    var index = 0
    while index + markBytes.count <= bytes.count {
      if bytes[index..<index + markBytes.count].elementsEqual(markBytes) {
        pieces.append(String(decoding: bytes[start..<index], as: UTF8.self))
        index += markBytes.count
        start = index
      } else {
        index += 1
      }
    }
    pieces.append(String(decoding: bytes[start...], as: UTF8.self))
    return pieces
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

/// A prompt template rendered with every value but the thread: the texts between the places
/// where the thread goes.
struct PreparedPrompt: Sendable, Hashable {
  let pieces: [String]

  /// The prompt for `thread`.
  func render(thread: String) -> String { pieces.joined(separator: thread) }
}
