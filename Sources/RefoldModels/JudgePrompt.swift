import Mustache
import RefoldCore

/// A checked Mustache template for the judge model's prompt.
///
/// The variables are `rubric` (what the expectations ask of the value), `expected` (the
/// golden value, as JSON), `actual` (the decision's value, as JSON) and `thread` (the
/// context the agent saw). Values are inserted as they are; any other name is refused when
/// the template is created, with its line.
///
/// ```swift
/// let prompt = try JudgePrompt.standard.render(
///   rubric: "asks which environment", expected: "\"Which one?\"", actual: "\"Staging?\"",
///   thread: context)
/// ```
public struct JudgePrompt: Sendable {
  /// The template text as written.
  public let text: String
  /// Where the template came from, for error messages.
  public let path: String?
  private let template: MustacheTemplate

  static let shape = PromptTemplate.Shape.object([
    "rubric": .text, "expected": .text, "actual": .text, "thread": .text,
  ])
  static let names = "rubric, expected, actual, thread"

  /// The prompt a suite's judge gets when the suite names no template of its own.
  public static let standardText = """
    You are grading one parameter of an AI agent's decision against a rubric.

    The conversation the agent saw:
    <thread>
    {{thread}}
    </thread>

    The value a person wrote for this parameter in the golden thread:
    <expected>{{expected}}</expected>

    The value the agent produced:
    <actual>{{actual}}</actual>

    The rubric the agent's value must meet:
    <rubric>{{rubric}}</rubric>

    Judge only whether the agent's value meets the rubric; it need not repeat the expected \
    value word for word. Answer with a JSON object and nothing else: \
    {"pass": true or false, "reason": "one sentence on why"}.
    """

  /// The default template.
  public static var standard: JudgePrompt {
    // The text is fixed and checked by the tests: it always parses.
    guard let prompt = try? JudgePrompt(standardText) else {
      preconditionFailure("the default judge prompt does not parse")
    }
    return prompt
  }

  /// Parses and checks `text`.
  ///
  /// - Throws: ``AgentSpecError`` with the template's path and line for a syntax error, an
  ///   unknown variable, a partial or a block.
  public init(_ text: String, path: String? = nil) throws(AgentSpecError) {
    self.text = text
    self.path = path
    var checker = TemplateChecker(text: text, file: path ?? "judge prompt")
    checker.root = Self.shape
    checker.known = Self.names
    try checker.check()
    do {
      template = try MustacheTemplate(string: "{{% CONTENT_TYPE: TEXT}}" + text)
    } catch let error as MustacheTemplate.ParserError {
      throw AgentSpecError(
        file: path ?? "judge prompt", line: error.context.lineNumber, path: "",
        message: "invalid Mustache (\(error.error)) in: \(error.context.line)")
    } catch {
      throw AgentSpecError(
        file: path ?? "judge prompt", path: "", message: "invalid Mustache (\(error))")
    }
  }

  /// The prompt for one judged parameter.
  public func render(rubric: String, expected: String, actual: String, thread: String) -> String {
    let recorder = LookupRecorder()
    let values: [String: Any] = [
      "rubric": rubric, "expected": expected, "actual": actual, "thread": thread,
    ]
    return template.render(RootValues(values: values, recorder: recorder))
  }
}
