import RefoldCore
import RefoldModels

/// What a proxied chat request adds to its thread: the messages sent since the thread's last
/// exchange, as input and result events.
///
/// Each request carries the conversation so far. Every event the proxy appends from the wire
/// notes in `meta.wire_index` the position of the message it came from (a decision: the
/// position its assistant message takes in the next request), so the messages past the
/// thread's highest `wire_index` are the new ones:
/// - user and system text (OpenAI `user`, `system` and `developer` messages; Anthropic
///   `system` and user text blocks) → an input event of ``inputType`` with `data.text` (and
///   `data.role` for system text), unless an event the agent posted itself (no
///   `wire_index`) already holds the same `data.text`;
/// - tool results (OpenAI `tool` messages; Anthropic `tool_result` blocks) →
///   `<intent>_result` for the call they answer, `meta.tool_call_id` = the model's id; a
///   result marked `is_error` → an `error` event naming the intent;
/// - assistant messages are the thread's own decisions coming back and add nothing.
struct ProxyConversation: Sendable {
  /// The type input events get (`user_input`, or the suite's input type).
  var inputType: String

  /// The messages of `request` with their wire positions (Anthropic's top-level `system` at
  /// -1, as it precedes every message).
  static func messages(_ request: JSONValue, _ provider: ModelSettings.Provider)
    -> [(index: Int, message: JSONValue)]
  {
    var result: [(Int, JSONValue)] = []
    if provider == .anthropic, let system = request["system"] {
      result.append((-1, ["role": "system", "content": system]))
    }
    for (index, message) in (request["messages"]?.arrayValue ?? []).enumerated() {
      result.append((index, message))
    }
    return result
  }

  /// The position the answer's assistant message takes in the next request.
  static func answerIndex(_ request: JSONValue) -> Int {
    request["messages"]?.arrayValue?.count ?? 0
  }

  /// The highest `meta.wire_index` among `events` (nil: nothing came from the wire yet).
  static func lastWireIndex(_ events: [Event]) -> Int? {
    events.compactMap { $0.meta?["wire_index"]?.intValue }.max()
  }

  /// The events to append before the decision: what `request` carries past `events`'
  /// last wire position.
  func newEvents(
    request: JSONValue, provider: ModelSettings.Provider, thread: String, events: [Event],
    at: String
  ) -> [EventLine] {
    let seen = Self.lastWireIndex(events)
    let posted = Set(
      events.filter { $0.meta?["wire_index"] == nil }.compactMap { $0.data["text"]?.stringValue })
    var lines: [EventLine] = []
    for (index, message) in Self.messages(request, provider) where index > (seen ?? -2) {
      let role = message["role"]?.stringValue ?? ""
      func input(_ text: String, system: Bool) {
        guard !text.isEmpty, !posted.contains(text) else { return }
        var data: [String: JSONValue] = ["text": .string(text)]
        if system { data["role"] = "system" }
        lines.append(
          EventLine(
            thread: thread, type: inputType, data: .object(data), at: at,
            meta: ["wire_index": .int(Int64(index))]))
      }
      switch role {
      case "system", "developer":
        input(Self.text(message["content"]), system: true)
      case "user":
        if let blocks = message["content"]?.arrayValue {
          var texts: [String] = []
          for block in blocks {
            if block["type"]?.stringValue == "tool_result" {
              lines.append(
                result(
                  id: block["tool_use_id"]?.stringValue ?? "", content: block["content"],
                  isError: block["is_error"]?.boolValue == true, request: request,
                  events: events + lines.map { $0.event(seq: -1) }, thread: thread,
                  index: index, at: at))
            } else if let text = block["text"]?.stringValue {
              texts.append(text)
            }
          }
          input(texts.joined(separator: "\n"), system: false)
        } else {
          input(Self.text(message["content"]), system: false)
        }
      case "tool":
        lines.append(
          result(
            id: message["tool_call_id"]?.stringValue ?? "", content: message["content"],
            isError: false, request: request, events: events, thread: thread, index: index,
            at: at))
      default:
        continue
      }
    }
    return lines
  }

  /// The result event for the call `id`.
  private func result(
    id: String, content: JSONValue?, isError: Bool, request: JSONValue, events: [Event],
    thread: String, index: Int, at: String
  ) -> EventLine {
    let intent = Self.intent(calledAs: id, events: events, request: request) ?? "tool"
    let text = Self.text(content)
    let meta: JSONValue = ["wire_index": .int(Int64(index)), "tool_call_id": .string(id)]
    if isError {
      return EventLine(
        thread: thread, type: "error",
        data: ["intent": .string(intent), "message": .string(text)], at: at, meta: meta)
    }
    var data: JSONValue = ["result": .string(text)]
    if let parsed = try? JSONParser.parse(text), parsed.objectValue != nil { data = parsed }
    return EventLine(
      thread: thread, type: intent + "_result", data: data, at: at, meta: meta)
  }

  /// The intent of the call with the model's id `id`: the thread's decision that carries it
  /// in `meta.tool_call_id`, else the request's assistant message that made it.
  static func intent(calledAs id: String, events: [Event], request: JSONValue) -> String? {
    if let decision = events.last(where: { $0.meta?["tool_call_id"]?.stringValue == id }) {
      return decision.type
    }
    for message in request["messages"]?.arrayValue ?? [] {
      for call in message["tool_calls"]?.arrayValue ?? [] where call["id"]?.stringValue == id {
        let name = call["function"]?["name"]?.stringValue
        if name == RequestBuilder.nextStepName,
          let arguments = call["function"]?["arguments"]?.stringValue,
          let intent = (try? JSONParser.parse(arguments))?["intent"]?.stringValue
        {
          return intent
        }
        return name
      }
      for block in message["content"]?.arrayValue ?? []
      where block["type"]?.stringValue == "tool_use" && block["id"]?.stringValue == id {
        if block["name"]?.stringValue == RequestBuilder.nextStepName,
          let intent = block["input"]?["intent"]?.stringValue
        {
          return intent
        }
        return block["name"]?.stringValue
      }
    }
    return nil
  }

  /// The text of message content: a string, or the text of its blocks joined by newlines.
  static func text(_ content: JSONValue?) -> String {
    if let text = content?.stringValue { return text }
    let blocks = content?.arrayValue ?? []
    return blocks.compactMap { $0["text"]?.stringValue }.joined(separator: "\n")
  }

  /// The model's id of the (first) tool call in a response.
  static func toolCallID(_ response: JSONValue) -> String? {
    if let call = response["choices"]?.arrayValue?.first?["message"]?["tool_calls"]?.arrayValue?
      .first
    {
      return call["id"]?.stringValue
    }
    let blocks = response["content"]?.arrayValue ?? []
    return blocks.first { $0["type"]?.stringValue == "tool_use" }?["id"]?.stringValue
  }

  /// The text of a response that makes no tool call: a final answer.
  static func finalText(_ response: JSONValue) -> String? {
    if let message = response["choices"]?.arrayValue?.first?["message"] {
      guard (message["tool_calls"]?.arrayValue ?? []).isEmpty else { return nil }
      let text = message["content"]?.stringValue ?? ""
      return text.isEmpty ? nil : text
    }
    guard let blocks = response["content"]?.arrayValue,
      !blocks.contains(where: { $0["type"]?.stringValue == "tool_use" })
    else { return nil }
    let text = blocks.compactMap { $0["text"]?.stringValue }.joined(separator: "\n")
    return text.isEmpty ? nil : text
  }
}
