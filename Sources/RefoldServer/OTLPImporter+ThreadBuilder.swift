import Foundation
import RefoldCore
import RefoldModels
import RefoldShared

extension OTLPImporter {
  /// Builds one thread from its model calls, in order.
  struct ThreadBuilder {
    let thread: String
    var lines: [EventLine] = []
    var exchanges: [Exchange] = []
    /// Messages of the history already turned into events.
    private var consumed = 0
    /// Tool names by call id, to name results.
    private var toolNames: [String: String] = [:]
    private var lastTool: String?

    init(thread: String) { self.thread = thread }

    mutating func add(_ span: Span) {
      let (input, output) = span.messages()
      let at = Self.timestamp(span.seconds)
      var counter = 0
      func nextID() -> String {
        defer { counter += 1 }
        return "otel-\(span.spanID)-\(counter)"
      }
      // Only what this call added to the history; a shorter history was trimmed, so take
      // what follows its last assistant message.
      var start = consumed
      if input.count < consumed {
        start = (input.lastIndex { $0.role == "assistant" }).map { $0 + 1 } ?? 0
      }
      for message in input[min(start, input.count)...] {
        switch message.role {
        case "user", "human":
          lines.append(
            EventLine(
              thread: thread, type: "user_input", data: ["text": .string(message.text ?? "")],
              at: at, id: nextID(), meta: ["span_id": .string(span.spanID)]))
        case "tool", "function":
          let name =
            message.toolCallID.flatMap { toolNames[$0] } ?? lastTool ?? "tool"
          lines.append(
            EventLine(
              thread: thread, type: name + "_result",
              data: Self.resultData(message.toolResponse ?? message.text.map(JSONValue.string)),
              at: at, id: nextID(), meta: ["span_id": .string(span.spanID)]))
        default:
          break
        }
      }
      consumed = input.count + output.count

      let request = Self.request(span, input)
      let response = Self.response(span, output)
      let key = CassetteKey.key(for: request)
      var usage: TokenUsage?
      let inputTokens =
        span.attributes["gen_ai.usage.input_tokens"]?.intValue
        ?? span.attributes["gen_ai.usage.prompt_tokens"]?.intValue
      let outputTokens =
        span.attributes["gen_ai.usage.output_tokens"]?.intValue
        ?? span.attributes["gen_ai.usage.completion_tokens"]?.intValue
      if let inputTokens, let outputTokens {
        usage = TokenUsage(inputTokens: inputTokens, outputTokens: outputTokens)
      }
      let provider =
        (span.attributes["gen_ai.provider.name"] ?? span.attributes["gen_ai.system"])?.stringValue
          == "anthropic" ? "anthropic" : "openai"
      let latency = span.end > span.start ? Double(span.end - span.start) / 1e6 : nil
      exchanges.append(
        Exchange(
          key: key, n: 0, provider: provider, request: request, response: response,
          latencyMilliseconds: latency, usage: usage, recordedAt: at, thread: thread,
          meta: [
            "source": "otlp", "trace_id": .string(span.traceID), "span_id": .string(span.spanID),
          ]))
      let decisionMeta: JSONValue = [
        "exchange_key": .string(key), "span_id": .string(span.spanID),
      ]
      for message in output {
        if !message.toolCalls.isEmpty {
          for call in message.toolCalls {
            if let id = call.id { toolNames[id] = call.name }
            lastTool = call.name
            lines.append(
              EventLine(
                thread: thread, type: call.name, data: call.arguments, at: at, id: nextID(),
                meta: decisionMeta))
          }
        } else if let text = message.text, !text.isEmpty {
          lines.append(
            EventLine(
              thread: thread, type: "done_for_now", data: ["message": .string(text)], at: at,
              id: nextID(), meta: decisionMeta))
        }
      }
    }

    static func resultData(_ value: JSONValue?) -> JSONValue {
      guard let value else { return .emptyObject }
      var parsed = value
      if case .string(let text) = value, let json = try? JSONParser.parse(text) { parsed = json }
      if parsed.objectValue != nil { return parsed }
      return ["result": parsed]
    }

    /// The call as an OpenAI chat request.
    static func request(_ span: Span, _ input: [OTLPMessage]) -> JSONValue {
      var body: [String: JSONValue] = [
        "model": span.attributes["gen_ai.request.model"] ?? "unknown",
        "messages": .array(input.map(\.chatJSON)),
      ]
      let parameters = [
        "gen_ai.request.temperature": "temperature", "gen_ai.request.top_p": "top_p",
        "gen_ai.request.max_tokens": "max_tokens", "gen_ai.request.seed": "seed",
      ]
      for (attribute, field) in parameters {
        if let value = span.attributes[attribute] { body[field] = value }
      }
      return .object(body)
    }

    /// The call's answer as an OpenAI chat completion.
    static func response(_ span: Span, _ output: [OTLPMessage]) -> JSONValue {
      var body: [String: JSONValue] = [
        "object": "chat.completion",
        "choices": .array(
          output.enumerated().map { index, message in
            ["index": .int(Int64(index)), "message": message.chatJSON]
          }),
      ]
      if let model = span.attributes["gen_ai.response.model"] { body["model"] = model }
      if let id = span.attributes["gen_ai.response.id"] { body["id"] = id }
      return .object(body)
    }

    /// `seconds` since 1970 as RFC 3339 UTC with milliseconds.
    static func timestamp(_ seconds: Double) -> String {
      let formatter = ISO8601DateFormatter()
      formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
      return formatter.string(from: Date(timeIntervalSince1970: seconds))
    }
  }
}
