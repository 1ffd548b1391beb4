import RefoldCore
import RefoldModels

/// Decodes the intent in a proxied response, in the output mode the request asked for.
///
/// With an agent spec the spec's intents, aliases and schemas apply, as in replay. Without
/// one, the request itself says what the model could answer:
/// - `tools` (one tool per intent): each offered tool is an intent with the tool's schema;
/// - `next-step` (one tool, `next_step`, whose `intent` property lists the intents): each
///   listed intent takes the union's other properties;
/// - `json` (no tools): the intents listed by the response format's schema, else the one the
///   answer names, with the members it carries.
struct ProxyIntentDecoder: Sendable {
  /// The agent spec, when the proxy was given one.
  var spec: AgentSpec?

  /// The output mode `request` asks for.
  static func outputMode(of request: JSONValue) -> OutputMode {
    let tools = request["tools"]?.arrayValue ?? []
    if tools.isEmpty { return .json }
    if tools.count == 1, toolName(tools[0]) == RequestBuilder.nextStepName { return .nextStep }
    return .tools
  }

  /// The intent the response carries, or why it carries none.
  func decode(request: JSONValue, response: JSONValue) -> Decision.Outcome {
    if let spec { return ResponseDecoder(spec: spec).decode(response) }
    let intents = Self.intents(request: request, response: response)
    let synthesized = AgentSpec(
      name: "proxy", model: ModelSettings(name: request["model"]?.stringValue ?? "unknown"),
      promptTemplate: "", outputMode: Self.outputMode(of: request), intents: intents)
    return ResponseDecoder(spec: synthesized).decode(response)
  }

  static func toolName(_ tool: JSONValue) -> String? {
    tool["function"]?["name"]?.stringValue ?? tool["name"]?.stringValue
  }

  static func toolSchema(_ tool: JSONValue) -> JSONValue {
    tool["function"]?["parameters"] ?? tool["input_schema"] ?? tool["parameters"]
      ?? ["type": "object", "properties": [:]]
  }

  static func intents(request: JSONValue, response: JSONValue) -> [IntentSpec] {
    let tools = request["tools"]?.arrayValue ?? []
    switch outputMode(of: request) {
    case .tools:
      return tools.compactMap { tool in
        toolName(tool).map { IntentSpec(name: $0, kind: .sync, parameters: toolSchema(tool)) }
      }
    case .nextStep:
      return unionIntents(toolSchema(tools[0])) ?? []
    case .json:
      let schema =
        request["response_format"]?["json_schema"]?["schema"]
        ?? request["response_format"]?["schema"]
      if let schema, let intents = unionIntents(schema) { return intents }
      return namedIntent(in: response).map { [$0] } ?? []
    }
  }

  /// The intents of a union schema (`intent` enum plus the other properties), if it is one.
  static func unionIntents(_ schema: JSONValue) -> [IntentSpec]? {
    guard var properties = schema["properties"]?.objectValue,
      let names = properties.removeValue(forKey: "intent")?["enum"]?.arrayValue
    else { return nil }
    let parameters: JSONValue = ["type": "object", "properties": .object(properties)]
    return names.compactMap(\.stringValue).map {
      IntentSpec(name: $0, kind: .sync, parameters: parameters)
    }
  }

  /// The intent a JSON answer names, accepting whatever members it carries.
  static func namedIntent(in response: JSONValue) -> IntentSpec? {
    var text: String?
    if let message = response["choices"]?.arrayValue?.first?["message"] {
      text = message["content"]?.stringValue
    } else if let blocks = response["content"]?.arrayValue {
      text = blocks.compactMap { $0["text"]?.stringValue }.joined(separator: "\n")
    }
    guard let text, let open = text.firstIndex(of: "{"), let close = text.lastIndex(of: "}"),
      open < close, let object = try? JSONParser.parse(String(text[open...close])),
      var members = object.objectValue,
      let name = members.removeValue(forKey: "intent")?
        .stringValue
    else { return nil }
    if members.count == 1,
      let nested = members["parameters"]?.objectValue ?? members["arguments"]?.objectValue
    {
      members = nested
    }
    let properties = JSONValue.object(members.mapValues { _ in JSONValue.emptyObject })
    return IntentSpec(
      name: name, kind: .sync, parameters: ["type": "object", "properties": properties])
  }
}
