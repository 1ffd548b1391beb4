import Foundation
import RefoldCore

/// Turns a provider's raw response into an intent, or a compact failure message.
///
/// Accepted shapes:
/// - OpenAI Chat Completions: `message.tool_calls[0].function` (arguments as a JSON string,
///   or an object as some local servers send), the legacy `message.function_call`, flat tool
///   calls (`tool_calls[0].name`/`arguments`), calls without ids, any `finish_reason`;
///   JSON in `message.content`, possibly inside a ``` fence;
/// - Anthropic Messages: the first `tool_use` block's `input`, else JSON in the text blocks.
///
/// A `next_step` call or a JSON answer carries `{"intent": name, …parameters}` (parameters
/// may also be nested under `parameters` or `arguments`); fields the chosen intent does not
/// declare are dropped, since the union schema offered them for other intents. A call named
/// after an intent carries its parameters directly. Aliases of the spec are applied. The
/// parameters are then validated against the intent's schema.
public struct ResponseDecoder: Sendable {
  public let spec: AgentSpec

  public init(spec: AgentSpec) { self.spec = spec }

  /// The intent in `response`, or why there is none.
  public func decode(_ response: JSONValue) -> Decision.Outcome {
    switch extractCall(response) {
    case .failure(let message): return .failure(message)
    case .success(let call): return intent(from: call)
    }
  }

  /// A call as found in a response, before it is checked against the spec.
  struct Call {
    /// The function or tool name; nil for JSON content.
    var name: String?
    var arguments: JSONValue
  }

  enum Extraction {
    case success(Call)
    case failure(String)
  }

  func extractCall(_ response: JSONValue) -> Extraction {
    if let error = response["error"], response["choices"] == nil, response["content"] == nil {
      let message = error["message"]?.stringValue ?? error.stringValue ?? error.canonicalString
      return .failure("the provider returned an error: \(message)")
    }
    if let choices = response["choices"]?.arrayValue {
      guard let message = choices.first?["message"] else {
        return .failure("the response has no message")
      }
      return extractOpenAI(message)
    }
    if let blocks = response["content"]?.arrayValue {
      return extractAnthropic(blocks)
    }
    return .failure("the response is neither a chat completion nor a message")
  }

  private func extractOpenAI(_ message: JSONValue) -> Extraction {
    if let calls = message["tool_calls"]?.arrayValue, let call = calls.first {
      let function = call["function"] ?? call
      return arguments(name: function["name"]?.stringValue, function["arguments"])
    }
    if let function = message["function_call"], function.objectValue != nil {
      return arguments(name: function["name"]?.stringValue, function["arguments"])
    }
    guard let content = message["content"]?.stringValue, !content.isEmpty else {
      return .failure("the model answered with neither a tool call nor content")
    }
    return jsonContent(content)
  }

  private func extractAnthropic(_ blocks: [JSONValue]) -> Extraction {
    if let use = blocks.first(where: { $0["type"]?.stringValue == "tool_use" }) {
      return arguments(name: use["name"]?.stringValue, use["input"])
    }
    let text = blocks.filter { $0["type"]?.stringValue == "text" }
      .compactMap { $0["text"]?.stringValue }.joined(separator: "\n")
    guard !text.isEmpty else {
      return .failure("the model answered with neither a tool call nor text")
    }
    return jsonContent(text)
  }

  private func arguments(name: String?, _ value: JSONValue?) -> Extraction {
    guard let name, !name.isEmpty else { return .failure("the tool call has no name") }
    switch value {
    case .none, .some(.null):
      return .success(Call(name: name, arguments: .emptyObject))
    case .some(.string(let text)):
      // Arguments usually start with "{": no need to trim them to see they are not blank.
      let startsVisibly = text.utf8.first.map { $0 > 0x20 && $0 < 0x7F } ?? false
      if !startsVisibly, text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
        return .success(Call(name: name, arguments: .emptyObject))
      }
      do {
        return .success(Call(name: name, arguments: try JSONParser.parse(text)))
      } catch {
        return .failure(
          "invalid JSON in the arguments of \(name) (\(error)): \(Self.excerpt(text))")
      }
    case .some(let object):
      return .success(Call(name: name, arguments: object))
    }
  }

  private func jsonContent(_ content: String) -> Extraction {
    let text = Self.stripFences(content)
    do {
      return .success(Call(name: nil, arguments: try JSONParser.parse(text)))
    } catch {
      return .failure("invalid JSON in the answer (\(error)): \(Self.excerpt(content))")
    }
  }

  /// The JSON inside a Markdown code fence, or the text from its first `{` to its last `}`.
  static func stripFences(_ content: String) -> String {
    var text = content.trimmingCharacters(in: .whitespacesAndNewlines)
    if text.hasPrefix("```") {
      var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
      lines.removeFirst()
      if let last = lines.last, last.trimmingCharacters(in: .whitespaces).hasPrefix("```") {
        lines.removeLast()
      }
      text = lines.joined(separator: "\n")
    } else if !text.hasPrefix("{"), let open = text.firstIndex(of: "{"),
      let close = text.lastIndex(of: "}"), open < close
    {
      text = String(text[open...close])
    }
    return text
  }

  static func excerpt(_ text: String) -> String {
    let flat = text.replacingOccurrences(of: "\n", with: " ")
    return flat.count > 80 ? String(flat.prefix(80)) + "…" : flat
  }

  private func intent(from call: Call) -> Decision.Outcome {
    var name = call.name
    var parameters = call.arguments
    let carriesIntent = name == nil || name == RequestBuilder.nextStepName
    if carriesIntent {
      guard var members = parameters.objectValue else {
        return .failure("expected a JSON object, found \(parameters.typeName)")
      }
      guard let chosen = members.removeValue(forKey: "intent")?.stringValue else {
        return .failure("the answer names no intent (\"intent\" is missing)")
      }
      name = chosen
      if members.count == 1,
        let nested = members["parameters"]?.objectValue ?? members["arguments"]?.objectValue
      {
        members = nested
      }
      parameters = .object(members)
    }
    guard let rawName = name else { return .failure("the answer names no intent") }
    let canonical = spec.aliases[rawName] ?? rawName
    guard let intentSpec = spec.intent(named: canonical) else {
      let names = spec.intents.map(\.name).joined(separator: ", ")
      return .failure("unknown intent \"\(rawName)\" (expected one of \(names))")
    }
    guard var members = parameters.objectValue else {
      return .failure(
        "the parameters of \(canonical) must be a JSON object, found \(parameters.typeName)")
    }
    var ignored: [String] = []
    if carriesIntent {
      let declared = intentSpec.parameters["properties"]?.objectValue ?? [:]
      ignored = members.keys.filter { declared[$0] == nil }.sorted()
      members = members.filter { declared[$0.key] != nil }
    }
    let problems = ParameterSchema(intentSpec.parameters).validate(.object(members))
    if !problems.isEmpty {
      let list = problems.prefix(3).map(\.description).joined(separator: "; ")
      let note =
        ignored.isEmpty
        ? "" : " (ignored fields \(canonical) does not declare: \(ignored.joined(separator: ", ")))"
      return .failure("invalid parameters for \(canonical): \(list)\(note)")
    }
    return .intent(Intent(name: canonical, parameters: .object(members)))
  }
}
