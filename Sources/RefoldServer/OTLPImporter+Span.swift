import RefoldCore

extension OTLPImporter {
  /// One span, with its attributes decoded and the log records of its call attached.
  struct Span {
    var traceID: String
    var spanID: String
    /// Empty for a root span.
    var parentSpanID: String
    var name: String
    var start: UInt64
    var end: UInt64
    var attributes: [String: JSONValue]
    var events: [(name: String, attributes: [String: JSONValue])]
    /// Whether the span is made up from log records alone.
    var fromLogs = false

    init(_ value: JSONValue) {
      traceID = value["traceId"]?.stringValue ?? "trace"
      spanID = value["spanId"]?.stringValue ?? ""
      parentSpanID = value["parentSpanId"]?.stringValue ?? ""
      name = value["name"]?.stringValue ?? ""
      start = Self.nanoseconds(value["startTimeUnixNano"])
      end = Self.nanoseconds(value["endTimeUnixNano"])
      attributes = Self.attributes(value["attributes"])
      events = (value["events"]?.arrayValue ?? []).map {
        ($0["name"]?.stringValue ?? "", Self.attributes($0["attributes"]))
      }
    }

    /// A call known only from its log records (a logs export without the traces).
    init(record: LogRecord) {
      traceID = record.traceID.isEmpty ? "trace" : record.traceID
      spanID = record.spanID
      parentSpanID = ""
      name = record.name
      start = record.time
      end = record.time
      attributes = [:]
      events = []
      fromLogs = true
    }

    /// Adds a log record of this span's call: `gen_ai.client.inference.operation.details`
    /// lends its attributes (the messages among them) where the span has none; any other
    /// GenAI event becomes a span event.
    mutating func attach(_ record: LogRecord) {
      if record.isOperationDetails {
        for (key, value) in record.attributes where attributes[key] == nil {
          attributes[key] = value
        }
      } else {
        events.append((record.name, record.eventAttributes))
      }
      if fromLogs, record.time > 0 {
        if record.time < start || start == 0 { start = record.time }
        if record.time > end { end = record.time }
      }
    }

    var isModelCall: Bool {
      if let operation = attributes["gen_ai.operation.name"]?.stringValue {
        return ["chat", "text_completion", "generate_content", "completion"].contains(operation)
      }
      return attributes["gen_ai.input.messages"] != nil || attributes["gen_ai.prompt.0.role"] != nil
        || attributes["gen_ai.prompt.0.content"] != nil
        || events.contains { $0.name.hasPrefix("gen_ai.") }
    }

    static func nanoseconds(_ value: JSONValue?) -> UInt64 {
      switch value {
      case .string(let text)?: return UInt64(text) ?? 0
      case .int(let number)?: return UInt64(max(0, number))
      case .double(let number)?: return UInt64(max(0, number))
      default: return 0
      }
    }

    static func attributes(_ value: JSONValue?) -> [String: JSONValue] {
      var result: [String: JSONValue] = [:]
      for entry in value?.arrayValue ?? [] {
        guard let key = entry["key"]?.stringValue else { continue }
        result[key] = anyValue(entry["value"])
      }
      return result
    }

    /// An OTLP `AnyValue` as JSON (int64 arrives as a string in OTLP JSON).
    static func anyValue(_ value: JSONValue?) -> JSONValue {
      guard let value else { return .null }
      if let text = value["stringValue"]?.stringValue { return .string(text) }
      if let number = value["intValue"] {
        if case .string(let text) = number, let parsed = Int64(text) { return .int(parsed) }
        return number
      }
      if let number = value["doubleValue"] { return number }
      if let flag = value["boolValue"] { return flag }
      if let array = value["arrayValue"] {
        return .array((array["values"]?.arrayValue ?? []).map { anyValue($0) })
      }
      if let list = value["kvlistValue"] {
        var members: [String: JSONValue] = [:]
        for entry in list["values"]?.arrayValue ?? [] {
          if let key = entry["key"]?.stringValue { members[key] = anyValue(entry["value"]) }
        }
        return .object(members)
      }
      if let bytes = value["bytesValue"] { return bytes }
      return .null
    }

    var seconds: Double { Double(start) / 1e9 }

    /// The span's input and output messages, from whichever generation it uses.
    func messages() -> (input: [OTLPMessage], output: [OTLPMessage]) {
      if let input = jsonList("gen_ai.input.messages") {
        var system: [OTLPMessage] = []
        if let instructions = jsonList("gen_ai.system_instructions") {
          let text = instructions.compactMap { $0["content"]?.stringValue }.joined(separator: "\n")
          system = [OTLPMessage(role: "system", text: text)]
        }
        let output = jsonList("gen_ai.output.messages") ?? []
        return (
          system + input.compactMap { OTLPMessage($0) },
          output.compactMap { OTLPMessage($0, defaultRole: "assistant") }
        )
      }
      if attributes.keys.contains(where: { $0.hasPrefix("gen_ai.prompt.") }) {
        return (indexed("gen_ai.prompt"), indexed("gen_ai.completion", defaultRole: "assistant"))
      }
      var input: [OTLPMessage] = []
      var output: [OTLPMessage] = []
      let roles = [
        "gen_ai.system.message": "system", "gen_ai.user.message": "user",
        "gen_ai.assistant.message": "assistant", "gen_ai.tool.message": "tool",
      ]
      for event in events {
        if let role = roles[event.name] {
          if let message = OTLPMessage(Self.eventBody(event.attributes), defaultRole: role) {
            input.append(message)
          }
        } else if event.name == "gen_ai.choice" {
          if let message = OTLPMessage(Self.eventBody(event.attributes), defaultRole: "assistant") {
            output.append(message)
          }
        } else if event.name == "gen_ai.content.prompt",
          let list = Self.jsonList(event.attributes["gen_ai.prompt"])
        {
          input += list.compactMap { OTLPMessage($0) }
        } else if event.name == "gen_ai.content.completion",
          let list = Self.jsonList(event.attributes["gen_ai.completion"])
        {
          output += list.compactMap { OTLPMessage($0, defaultRole: "assistant") }
        }
      }
      return (input, output)
    }

    func jsonList(_ key: String) -> [JSONValue]? { Self.jsonList(attributes[key]) }

    static func jsonList(_ value: JSONValue?) -> [JSONValue]? {
      switch value {
      case .string(let text)?: return (try? JSONParser.parse(text))?.arrayValue
      case .array(let items)?: return items
      default: return nil
      }
    }

    /// A deprecated event's body: its `gen_ai.event.content` JSON, else its attributes.
    static func eventBody(_ attributes: [String: JSONValue]) -> JSONValue {
      if let text = attributes["gen_ai.event.content"]?.stringValue,
        let body = try? JSONParser.parse(text), body.objectValue != nil
      {
        return body
      }
      var members = attributes
      for key in ["message", "tool_calls"] {
        if let text = members[key]?.stringValue, let parsed = try? JSONParser.parse(text) {
          members[key] = parsed
        }
      }
      return .object(members)
    }

    /// Messages from flattened `PREFIX.N.role|content|tool_call_id|tool_calls.M.*`.
    func indexed(_ prefix: String, defaultRole: String = "user") -> [OTLPMessage] {
      var messages: [OTLPMessage] = []
      var index = 0
      while true {
        let base = "\(prefix).\(index)"
        let role = attributes[base + ".role"]?.stringValue
        let content = attributes[base + ".content"]
        let hasCalls =
          attributes[base + ".tool_calls.0.name"] != nil
          || attributes[base + ".function_call.name"] != nil
        guard role != nil || content != nil || hasCalls else { break }
        var calls: [OTLPMessage.ToolCall] = []
        var callIndex = 0
        while let name = attributes["\(base).tool_calls.\(callIndex).name"]?.stringValue {
          calls.append(
            OTLPMessage.ToolCall(
              id: attributes["\(base).tool_calls.\(callIndex).id"]?.stringValue, name: name,
              arguments: OTLPMessage.arguments(
                attributes["\(base).tool_calls.\(callIndex).arguments"])))
          callIndex += 1
        }
        if let name = attributes[base + ".function_call.name"]?.stringValue {
          calls.append(
            OTLPMessage.ToolCall(
              id: nil, name: name,
              arguments: OTLPMessage.arguments(attributes[base + ".function_call.arguments"])))
        }
        var text: String?
        if case .string(let value)? = content {
          text = value
        } else {
          text = content?.canonicalString
        }
        messages.append(
          OTLPMessage(
            role: role ?? defaultRole, text: text, toolCalls: calls,
            toolCallID: attributes[base + ".tool_call_id"]?.stringValue))
        index += 1
      }
      return messages
    }
  }
}
