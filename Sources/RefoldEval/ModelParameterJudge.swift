import Foundation
import RefoldCore
import RefoldModels
import RefoldShared

/// Answers `judge` matchers by asking a chat model with the suite's judge prompt, and
/// `similar` matchers by comparing embeddings from an OpenAI-compatible `/v1/embeddings`
/// endpoint, each through a model source (a cassette, the live endpoint, or both).
///
/// The judge is asked for structured output, `{"pass": bool, "reason": string}`, at
/// temperature 0; a recorded judge gives the same verdict on every run because its answer
/// is replayed from the cassette by the request's key.
public struct ModelParameterJudge: ParameterJudge {
  /// Asks the judge model (nil: the suite names none).
  public var judge: (any ModelSource)?
  /// The judge model's settings (its name goes into each request).
  public var judgeModel: ModelSettings?
  public var prompt: JudgePrompt
  /// For an OpenAI-compatible judge, `json_schema` (OpenAI's strict structured output) or
  /// `json_object` with the schema beside it (llama.cpp's OpenAI-compatible servers); for an
  /// Anthropic judge, `tool` (a forced `verdict` tool whose input is the verdict) or `text`
  /// (the verdict as a JSON object in the text answer).
  public var responseFormat = "json_schema"
  /// Asks the embeddings model (nil: the suite names none).
  public var embeddings: (any ModelSource)?
  public var embeddingsModel: String?

  public init(
    judge: (any ModelSource)? = nil, judgeModel: ModelSettings? = nil,
    prompt: JudgePrompt = .standard, embeddings: (any ModelSource)? = nil,
    embeddingsModel: String? = nil
  ) {
    self.judge = judge
    self.judgeModel = judgeModel
    self.prompt = prompt
    self.embeddings = embeddings
    self.embeddingsModel = embeddingsModel
  }

  public func session() -> any ParameterJudge {
    var copy = self
    copy.judge = judge?.session()
    copy.embeddings = embeddings?.session()
    return copy
  }

  public func verdict(for question: JudgedQuestion, thread: String, context: String)
    async throws(JudgeError) -> JudgedParameter
  {
    switch question.matcher {
    case .judge(let rubric):
      return try await judged(question, rubric: rubric, thread: thread, context: context)
    case .similar(let reference, let minimum):
      return try await compared(question, reference: reference, minimum: minimum, thread: thread)
    default:
      throw JudgeError(path: question.path, message: "\(question.matcher.name) is not judged")
    }
  }

  /// The JSON schema of a verdict.
  static let verdictSchema: JSONValue = .object([
    "type": "object",
    "properties": .object([
      "pass": .object(["type": "boolean"]), "reason": .object(["type": "string"]),
    ]),
    "required": .array(["pass", "reason"]), "additionalProperties": false,
  ])

  /// The `response_format` the judge is asked to answer in.
  var verdictFormat: JSONValue {
    if responseFormat == "json_object" {
      return .object(["type": "json_object", "schema": Self.verdictSchema])
    }
    return .object([
      "type": "json_schema",
      "json_schema": .object(["name": "verdict", "strict": true, "schema": Self.verdictSchema]),
    ])
  }

  private func judged(
    _ question: JudgedQuestion, rubric: String, thread: String, context: String
  ) async throws(JudgeError) -> JudgedParameter {
    guard let actual = question.actual else {
      return JudgedParameter(
        path: question.path, matcher: "judge", passed: false, reason: "the parameter is missing")
    }
    guard let judge, let judgeModel else {
      throw JudgeError(path: question.path, message: "the suite names no judge model")
    }
    let text = prompt.render(
      rubric: rubric, expected: question.expected.map(Self.shown) ?? "(none)",
      actual: Self.shown(actual), thread: context)
    let request = ModelRequest(
      provider: judgeModel.provider, body: body(prompt: text, model: judgeModel), thread: thread,
      renderedContext: text)
    let response: ModelResponse
    do {
      response = try await judge.respond(to: request)
    } catch {
      throw JudgeError(path: question.path, message: "the judge model failed: \(error)")
    }
    switch judgeModel.provider {
    case .openai: return try Self.verdict(from: response.body, path: question.path)
    case .anthropic: return try Self.anthropicVerdict(from: response.body, path: question.path)
    }
  }

  /// The name of the tool an Anthropic judge is made to call with its verdict.
  static let verdictTool = "verdict"

  /// The request body asking `model` about `prompt`: a chat completion asking for the
  /// structured verdict, or an Anthropic Messages request forcing the `verdict` tool (or, with
  /// `text`, asking for the JSON object in its answer).
  func body(prompt: String, model: ModelSettings) -> JSONValue {
    var body: [String: JSONValue] = [
      "model": .string(model.name),
      "messages": .array([.object(["role": "user", "content": .string(prompt)])]),
      "temperature": .double(model.temperature ?? 0),
    ]
    switch model.provider {
    case .openai:
      body["response_format"] = verdictFormat
      if let seed = model.seed { body["seed"] = .int(Int64(seed)) }
    case .anthropic:
      body["max_tokens"] = .int(Int64(model.maxTokens ?? 1024))
      if responseFormat != "text" {
        body["tools"] = .array([
          .object([
            "name": .string(Self.verdictTool),
            "description": "Record whether the value meets the rubric, and why in one sentence.",
            "input_schema": Self.verdictSchema,
          ])
        ])
        body["tool_choice"] = .object(["type": "tool", "name": .string(Self.verdictTool)])
      }
    }
    return .object(body)
  }

  /// The verdict in an Anthropic Messages answer: the input of its `verdict` tool call, or
  /// else the JSON object in its text (a code fence around it is allowed).
  ///
  /// - Throws: ``JudgeError`` naming what the answer lacks when neither is
  ///   `{"pass": bool, "reason": string}`.
  static func anthropicVerdict(from body: JSONValue, path: String) throws(JudgeError)
    -> JudgedParameter
  {
    guard case .array(let blocks)? = body["content"] else {
      throw JudgeError(path: path, message: "the judge's answer has no content blocks")
    }
    let call = blocks.first {
      $0["type"] == .string("tool_use") && $0["name"] == .string(verdictTool)
    }
    if let call {
      guard case .object(let members)? = call["input"] else {
        throw JudgeError(path: path, message: "the judge's verdict tool call has no input object")
      }
      return try verdict(
        members: members, excerpt: call["input"]?.canonicalString ?? "", path: path)
    }
    let text = blocks.compactMap { block -> String? in
      guard block["type"] == .string("text"), case .string(let text)? = block["text"] else {
        return nil
      }
      return text
    }.joined(separator: "\n")
    return try verdict(text: text, path: path)
  }

  /// The verdict in a chat completion's answer.
  ///
  /// - Throws: ``JudgeError`` naming what the answer lacks when it is not
  ///   `{"pass": bool, "reason": string}`.
  static func verdict(from body: JSONValue, path: String) throws(JudgeError) -> JudgedParameter {
    guard case .array(let choices)? = body["choices"], let first = choices.first,
      case .string(let content)? = first["message"]?["content"]
    else {
      throw JudgeError(
        path: path, message: "the judge's answer has no choices[0].message.content")
    }
    return try verdict(text: content, path: path)
  }

  /// The verdict in a text answer: a JSON object, alone or in a code fence.
  static func verdict(text content: String, path: String) throws(JudgeError) -> JudgedParameter {
    let excerpt = content.count > 120 ? String(content.prefix(120)) + "…" : content
    var trimmed = content.trimmingCharacters(in: .whitespacesAndNewlines)
    if trimmed.hasPrefix("```"), trimmed.hasSuffix("```"), trimmed.count >= 6 {
      trimmed = String(trimmed.dropFirst(3).dropLast(3))
      if trimmed.hasPrefix("json") { trimmed = String(trimmed.dropFirst(4)) }
      trimmed = trimmed.trimmingCharacters(in: .whitespacesAndNewlines)
    }
    guard let parsed = try? JSONParser.parse(trimmed), case .object(let members) = parsed else {
      throw JudgeError(
        path: path,
        message:
          "the judge's answer is not a JSON object {\"pass\": bool, \"reason\": string}: \(excerpt)"
      )
    }
    return try verdict(members: members, excerpt: excerpt, path: path)
  }

  /// The verdict in a parsed answer object.
  static func verdict(members: [String: JSONValue], excerpt: String, path: String)
    throws(JudgeError) -> JudgedParameter
  {
    guard case .bool(let passed)? = members["pass"] else {
      throw JudgeError(
        path: path, message: "the judge's answer has no boolean \"pass\": \(excerpt)")
    }
    guard case .string(let reason)? = members["reason"] else {
      throw JudgeError(
        path: path, message: "the judge's answer has no string \"reason\": \(excerpt)")
    }
    return JudgedParameter(path: path, matcher: "judge", passed: passed, reason: reason)
  }

  private func compared(
    _ question: JudgedQuestion, reference: String, minimum: Double, thread: String
  ) async throws(JudgeError) -> JudgedParameter {
    guard case .string(let actual)? = question.actual else {
      return JudgedParameter(
        path: question.path, matcher: "similar", passed: false,
        reason: question.actual == nil ? "the parameter is missing" : "expected a string",
        minimum: minimum)
    }
    guard let embeddings, let embeddingsModel else {
      throw JudgeError(path: question.path, message: "the suite names no embeddings model")
    }
    let body = OpenAIEmbeddingsClient.body(model: embeddingsModel, texts: [reference, actual])
    let request = ModelRequest(
      provider: .openai, body: body, thread: thread, renderedContext: reference + "\n" + actual)
    let response: ModelResponse
    do {
      response = try await embeddings.respond(to: request)
    } catch {
      throw JudgeError(path: question.path, message: "the embeddings model failed: \(error)")
    }
    guard let vectors = OpenAIEmbeddingsClient.vectors(in: response.body), vectors.count == 2,
      let score = Self.cosine(vectors[0], vectors[1])
    else {
      throw JudgeError(
        path: question.path,
        message:
          "the embeddings answer does not hold two vectors of the same nonzero length in data[].embedding"
      )
    }
    let rounded = (score * 10000).rounded() / 10000
    return JudgedParameter(
      path: question.path, matcher: "similar", passed: score >= minimum, score: rounded,
      minimum: minimum)
  }

  /// The cosine similarity of two vectors; nil when their lengths differ or one is zero.
  static func cosine(_ left: [Double], _ right: [Double]) -> Double? {
    guard left.count == right.count, !left.isEmpty else { return nil }
    var dot = 0.0
    var leftNorm = 0.0
    var rightNorm = 0.0
    for index in left.indices {
      dot += left[index] * right[index]
      leftNorm += left[index] * left[index]
      rightNorm += right[index] * right[index]
    }
    guard leftNorm > 0, rightNorm > 0 else { return nil }
    return dot / (leftNorm.squareRoot() * rightNorm.squareRoot())
  }

  /// A value as the judge reads it: a string as it is, anything else as JSON.
  static func shown(_ value: JSONValue) -> String {
    if case .string(let text) = value { return text }
    return value.canonicalString
  }
}
