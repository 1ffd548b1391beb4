import RefoldCore

/// One chat message as the GenAI conventions record it, in any of their generations.
struct OTLPMessage: Sendable, Hashable {
  struct ToolCall: Sendable, Hashable {
    var id: String?
    var name: String
    var arguments: JSONValue
  }

  var role: String
  var text: String?
  var toolCalls: [ToolCall] = []
  /// For a tool result: the call it answers.
  var toolCallID: String?
  /// For a tool result: what the tool returned.
  var toolResponse: JSONValue?
  /// For an answer: why the model stopped (`stop`, `tool_call`, `tool_calls`, `length`, …).
  var finishReason: String?

  /// A message from either shape: current (`role`, `parts`) or chat-style (`role`,
  /// `content`, `tool_calls`, `tool_call_id`), or a `gen_ai.choice` body (`message`).
  init?(_ value: JSONValue, defaultRole: String? = nil) {
    var source = value
    if let message = value["message"], message.objectValue != nil { source = message }
    guard let role = source["role"]?.stringValue ?? value["role"]?.stringValue ?? defaultRole
    else { return nil }
    self.role = role
    finishReason = value["finish_reason"]?.stringValue ?? source["finish_reason"]?.stringValue
    if let parts = source["parts"]?.arrayValue {
      var texts: [String] = []
      for part in parts {
        switch part["type"]?.stringValue {
        case "text":
          if let content = part["content"]?.stringValue { texts.append(content) }
        case "tool_call":
          if let name = part["name"]?.stringValue {
            toolCalls.append(
              ToolCall(
                id: part["id"]?.stringValue, name: name,
                arguments: Self.arguments(part["arguments"])))
          }
        case "tool_call_response":
          toolCallID = part["id"]?.stringValue
          toolResponse = part["response"] ?? .null
        default:
          break
        }
      }
      text = texts.isEmpty ? nil : texts.joined(separator: "\n")
    } else {
      switch source["content"] {
      case .string(let content)?: text = content
      case .array(let blocks)?:
        let texts = blocks.compactMap { $0["text"]?.stringValue ?? $0.stringValue }
        text = texts.isEmpty ? nil : texts.joined(separator: "\n")
      default: text = nil
      }
      // Traceloop writes a choice's tool calls beside its `message`, not in it.
      var calls = source["tool_calls"] ?? value["tool_calls"]
      if case .string(let encoded)? = calls { calls = try? JSONParser.parse(encoded) }
      for call in calls?.arrayValue ?? [] {
        let function = call["function"] ?? call
        guard let name = function["name"]?.stringValue else { continue }
        toolCalls.append(
          ToolCall(
            id: call["id"]?.stringValue, name: name,
            arguments: Self.arguments(function["arguments"])))
      }
      if role == "tool" || role == "function" {
        toolCallID = source["tool_call_id"]?.stringValue ?? value["id"]?.stringValue
      }
      if role == "tool", let text { toolResponse = .string(text) }
    }
  }

  init(role: String, text: String?, toolCalls: [ToolCall] = [], toolCallID: String? = nil) {
    self.role = role
    self.text = text
    self.toolCalls = toolCalls
    self.toolCallID = toolCallID
    if role == "tool", let text { toolResponse = .string(text) }
  }

  /// Whether `other` is the same turn of the conversation, as another call's history
  /// repeats it (the finish reason is not part of a history).
  func sameTurn(as other: OTLPMessage) -> Bool {
    role == other.role && (text ?? "") == (other.text ?? "") && toolCalls == other.toolCalls
      && toolCallID == other.toolCallID
  }

  /// Arguments as an object: a JSON string is parsed, nothing is `{}`.
  static func arguments(_ value: JSONValue?) -> JSONValue {
    switch value {
    case .none, .some(.null): return .emptyObject
    case .some(.string(let text)):
      if text.isEmpty { return .emptyObject }
      return (try? JSONParser.parse(text)) ?? ["arguments": .string(text)]
    case .some(let other): return other
    }
  }

  /// The message in OpenAI chat format (for a reconstructed exchange).
  var chatJSON: JSONValue {
    var members: [String: JSONValue] = ["role": .string(role)]
    members["content"] = text.map(JSONValue.string) ?? toolResponse.map(Self.textOf) ?? .null
    if !toolCalls.isEmpty {
      members["tool_calls"] = .array(
        toolCalls.map { call in
          var entry: [String: JSONValue] = [
            "type": "function",
            "function": [
              "name": .string(call.name), "arguments": .string(call.arguments.canonicalString),
            ],
          ]
          if let id = call.id { entry["id"] = .string(id) }
          return .object(entry)
        })
    }
    if let toolCallID { members["tool_call_id"] = .string(toolCallID) }
    return .object(members)
  }

  static func textOf(_ value: JSONValue) -> JSONValue {
    if case .string = value { return value }
    return .string(value.canonicalString)
  }
}
