extension ContextFormat {
  /// One provider-neutral chat message of the `chat-messages` format.
  ///
  /// The request builders turn these into OpenAI or Anthropic wire messages; the system
  /// prompt is added by them, not here.
  public struct Message: Sendable, Hashable {
    public enum Role: String, Sendable, Hashable, Codable {
      case user, assistant, tool
    }

    public var role: Role
    /// The text: the input for user messages, the result for tool messages; empty for an
    /// assistant message that only calls a tool.
    public var content: String
    /// The native tool calls of an assistant message.
    public var toolCalls: [ToolCall]
    /// The call a tool message answers.
    public var toolCallID: String?
    /// Whether a tool message reports a failure (Anthropic's `is_error`).
    public var isError: Bool

    public init(
      role: Role, content: String = "", toolCalls: [ToolCall] = [], toolCallID: String? = nil,
      isError: Bool = false
    ) {
      self.role = role
      self.content = content
      self.toolCalls = toolCalls
      self.toolCallID = toolCallID
      self.isError = isError
    }

    /// A readable one-block form, for reports.
    public var transcript: String {
      var lines = [
        "[\(role.rawValue)\(toolCallID.map { " → \($0)" } ?? "")\(isError ? " error" : "")]"
      ]
      if !content.isEmpty { lines.append(content) }
      for call in toolCalls {
        lines.append("call \(call.id): \(call.name) \(call.arguments.canonicalString)")
      }
      return lines.joined(separator: "\n")
    }
  }

  /// A native tool call inside an assistant message.
  public struct ToolCall: Sendable, Hashable {
    public var id: String
    /// The intent name.
    public var name: String
    /// The intent's parameters.
    public var arguments: JSONValue

    public init(id: String, name: String, arguments: JSONValue) {
      self.id = id
      self.name = name
      self.arguments = arguments
    }
  }
}
