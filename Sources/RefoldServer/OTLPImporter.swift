import Foundation
import RefoldCore
import RefoldModels
import RefoldShared

/// Reads OTLP JSON traces that follow the OpenTelemetry GenAI semantic conventions and turns
/// each conversation into a thread and each model call into an exchange.
///
/// Spans are taken from `resourceSpans[].scopeSpans[].spans[]`; a span is a model call when
/// it carries GenAI attributes (`gen_ai.operation.name` of `chat`, `text_completion` or
/// `generate_content`, or recorded messages). Its messages come from, in this order:
/// - current attributes: `gen_ai.input.messages` / `gen_ai.output.messages` (JSON, messages
///   with `parts`: `text`, `tool_call`, `tool_call_response`);
/// - deprecated attributes: `gen_ai.prompt.N.role|content|tool_call_id`,
///   `gen_ai.completion.N.role|content`, `gen_ai.completion.N.tool_calls.M.name|arguments|id`;
/// - deprecated span events: `gen_ai.system.message`, `gen_ai.user.message`,
///   `gen_ai.assistant.message`, `gen_ai.tool.message`, `gen_ai.choice` (content in
///   `content`, `tool_calls`, `id`, `message` or a JSON `gen_ai.event.content` attribute), and
///   `gen_ai.content.prompt` / `gen_ai.content.completion` (`gen_ai.prompt` /
///   `gen_ai.completion` as JSON).
///
/// Spans are grouped by `gen_ai.conversation.id`, else by trace id, which becomes the thread
/// id, and ordered by start time. In each thread: a user message becomes `user_input {text}`,
/// a tool call a decision named after the tool with its arguments, a tool result
/// `<tool>_result` (its JSON object, or `{"result": …}`), a text answer without tool calls
/// `done_for_now {message}`. Only messages a call adds to the history are taken, so the
/// history repeated in every call appears once. Each call becomes an exchange (an OpenAI
/// chat request and response rebuilt from the span, usage from `gen_ai.usage.input_tokens` /
/// `output_tokens` or the deprecated `prompt_tokens` / `completion_tokens`, latency from the
/// span's duration) and its decisions carry `meta.exchange_key`. Events carry ids derived
/// from the span ids, so importing a file twice adds nothing.
public struct OTLPImporter: Sendable {
  public init() {}

  /// What a file holds, before it is stored.
  public struct Result: Sendable, Hashable {
    /// Event lines by thread, in thread order of first appearance.
    public var threads: [(id: String, lines: [EventLine])] {
      order.map { ($0, lines[$0] ?? []) }
    }
    public var order: [String] = []
    public var lines: [String: [EventLine]] = [:]
    public var exchanges: [Exchange] = []
    /// Spans read, and spans that were model calls.
    public var spans = 0
    public var modelCalls = 0
  }

  /// Parses the OTLP JSON file at `path`.
  ///
  /// - Throws: ``ServerError/invalidOTLP(file:reason:)``.
  public func parse(file path: String) throws(ServerError) -> Result {
    let limit = InputLimits.current
    let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
    guard size <= limit.maxLineBytes else {
      throw .invalidOTLP(
        file: path,
        reason: "the file is larger than the limit of "
          + "\(InputLimits.describe(limit.maxLineBytes)) (REFOLD_MAX_LINE_BYTES raises it)")
    }
    guard let data = FileManager.default.contents(atPath: path) else {
      throw .invalidOTLP(file: path, reason: "cannot read the file")
    }
    let root: JSONValue
    do {
      root = try JSONParser.parse(bytes: [UInt8](data))
    } catch {
      throw .invalidOTLP(file: path, reason: "not JSON (\(error))")
    }
    return try parse(root, file: path)
  }

  /// Parses an OTLP JSON document (`{"resourceSpans": […]}`).
  public func parse(_ root: RefoldCore.JSONValue, file: String) throws(ServerError) -> Result {
    guard let resources = root["resourceSpans"]?.arrayValue else {
      throw .invalidOTLP(file: file, reason: "no resourceSpans: not an OTLP JSON trace export")
    }
    var spans: [Span] = []
    for resource in resources {
      let scopes =
        resource["scopeSpans"]?.arrayValue ?? resource["instrumentationLibrarySpans"]?.arrayValue
        ?? []
      for scope in scopes {
        for span in scope["spans"]?.arrayValue ?? [] { spans.append(Span(span)) }
      }
    }
    var result = Result()
    result.spans = spans.count
    let calls = spans.filter(\.isModelCall).sorted { ($0.start, $0.spanID) < ($1.start, $1.spanID) }
    result.modelCalls = calls.count
    var groups: [String: [Span]] = [:]
    for call in calls {
      let thread = call.attributes["gen_ai.conversation.id"]?.stringValue ?? call.traceID
      if groups[thread] == nil { result.order.append(thread) }
      groups[thread, default: []].append(call)
    }
    for thread in result.order {
      var builder = ThreadBuilder(thread: thread)
      for call in groups[thread] ?? [] { builder.add(call) }
      result.lines[thread] = builder.lines
      result.exchanges += builder.exchanges
    }
    return result
  }

  /// What an import stored.
  public struct Summary: Sendable, Hashable {
    public var threads: Int
    public var written: Int
    public var skipped: Int
    public var exchanges: Int
    public var modelCalls: Int
  }

  /// Parses `path` and stores its threads and exchanges.
  public func importFile(
    _ path: String, into events: any EventStore, cassette: any CassetteStore
  ) throws -> Summary {
    try store(parse(file: path), into: events, cassette: cassette)
  }

  /// Stores the threads and exchanges of a parsed file.
  ///
  /// Events go in one transaction; an exchange already stored for the same span is skipped,
  /// so storing the same file again adds nothing.
  public func store(
    _ result: Result, into events: any EventStore, cassette: any CassetteStore
  ) throws -> Summary {
    var exchangeKeys: [String: (key: String, n: Int)] = [:]
    var stored = 0
    for exchange in result.exchanges {
      let span = exchange.meta?["span_id"]?.stringValue ?? ""
      let existing = try cassette.exchanges(forKey: exchange.key)
      if let same = existing.first(where: { $0.meta?["span_id"]?.stringValue == span }) {
        exchangeKeys[span] = (same.key, same.n)
        continue
      }
      let appended = try cassette.append(exchange)
      exchangeKeys[span] = (appended.key, appended.n)
      stored += 1
    }
    var lines: [EventLine] = []
    for (_, threadLines) in result.threads {
      for var line in threadLines {
        if let span = line.meta?["span_id"]?.stringValue, let reference = exchangeKeys[span],
          var meta = line.meta?.objectValue, meta["exchange_key"] != nil
        {
          meta["exchange_n"] = .int(Int64(reference.n))
          line.meta = .object(meta)
        }
        lines.append(line)
      }
    }
    let appended = try events.append(lines)
    return Summary(
      threads: result.order.count, written: appended.written.count, skipped: appended.skipped,
      exchanges: stored, modelCalls: result.modelCalls)
  }
}

extension OTLPImporter {
  /// One span, with its attributes decoded.
  struct Span {
    var traceID: String
    var spanID: String
    var name: String
    var start: UInt64
    var end: UInt64
    var attributes: [String: JSONValue]
    var events: [(name: String, attributes: [String: JSONValue])]

    init(_ value: JSONValue) {
      traceID = value["traceId"]?.stringValue ?? "trace"
      spanID = value["spanId"]?.stringValue ?? ""
      name = value["name"]?.stringValue ?? ""
      start = Self.nanoseconds(value["startTimeUnixNano"])
      end = Self.nanoseconds(value["endTimeUnixNano"])
      attributes = Self.attributes(value["attributes"])
      events = (value["events"]?.arrayValue ?? []).map {
        ($0["name"]?.stringValue ?? "", Self.attributes($0["attributes"]))
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
