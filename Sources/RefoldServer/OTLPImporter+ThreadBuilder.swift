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
    /// The last call's input and output: the history the next call should begin with.
    private(set) var history: [OTLPMessage] = []
    /// Tool names by call id, to name results.
    private var toolNames: [String: String] = [:]
    private var lastTool: String?

    init(thread: String) { self.thread = thread }

    /// Whether `input` goes on from this thread's last call: it begins with that call's
    /// messages and adds to them.
    func isContinued(by input: [OTLPMessage]) -> Bool {
      guard !history.isEmpty, input.count > history.count else { return false }
      return zip(history, input).allSatisfy { $0.sameTurn(as: $1) }
    }

    /// Where the messages `input` adds begin: after the part of the last call's history it
    /// repeats, or, when it trimmed that history, after its own last assistant message.
    private func firstNew(in input: [OTLPMessage]) -> Int {
      var common = 0
      while common < min(history.count, input.count), input[common].sameTurn(as: history[common]) {
        common += 1
      }
      if common == history.count || common == input.count { return common }
      let afterAnswer = (input.lastIndex { $0.role == "assistant" }).map { $0 + 1 } ?? 0
      return max(common, afterAnswer)
    }

    mutating func add(_ span: Span) {
      let (input, output) = span.messages()
      let at = Self.timestamp(span.seconds)
      var counter = 0
      func nextID() -> String {
        defer { counter += 1 }
        return "otel-\(span.spanID)-\(counter)"
      }
      let spanMeta: JSONValue = ["span_id": .string(span.spanID)]
      for message in input[firstNew(in: input)...] {
        switch message.role {
        case "user", "human":
          lines.append(
            EventLine(
              thread: thread, type: "user_input", data: ["text": .string(message.text ?? "")],
              at: at, id: nextID(), meta: spanMeta))
        case "system", "developer":
          lines.append(
            EventLine(
              thread: thread, type: "user_input",
              data: ["text": .string(message.text ?? ""), "role": "system"], at: at, id: nextID(),
              meta: spanMeta))
        case "tool", "function":
          let name = message.toolCallID.flatMap { toolNames[$0] } ?? lastTool ?? "tool"
          var meta: [String: JSONValue] = ["span_id": .string(span.spanID)]
          if let id = message.toolCallID { meta["tool_call_id"] = .string(id) }
          lines.append(
            EventLine(
              thread: thread, type: name + "_result",
              data: Self.resultData(message.toolResponse ?? message.text.map(JSONValue.string)),
              at: at, id: nextID(), meta: .object(meta)))
        default:
          break
        }
      }
      history = input + output

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
      var exchangeMeta: [String: JSONValue] = [
        "source": "otlp", "trace_id": .string(span.traceID), "span_id": .string(span.spanID),
      ]
      if let reasons = span.attributes["gen_ai.response.finish_reasons"] {
        exchangeMeta["finish_reasons"] = reasons
      }
      exchanges.append(
        Exchange(
          key: key, n: 0, provider: provider, request: request, response: response,
          latencyMilliseconds: latency, usage: usage, recordedAt: at, thread: thread,
          meta: .object(exchangeMeta)))
      for message in output {
        if !message.toolCalls.isEmpty {
          for call in message.toolCalls {
            if let id = call.id { toolNames[id] = call.name }
            lastTool = call.name
            var meta: [String: JSONValue] = [
              "exchange_key": .string(key), "span_id": .string(span.spanID),
            ]
            if let id = call.id { meta["tool_call_id"] = .string(id) }
            lines.append(
              EventLine(
                thread: thread, type: call.name, data: call.arguments, at: at, id: nextID(),
                meta: .object(meta)))
          }
        } else if let text = message.text, !text.isEmpty {
          lines.append(
            EventLine(
              thread: thread, type: "done_for_now", data: ["message": .string(text)], at: at,
              id: nextID(), meta: ["exchange_key": .string(key), "span_id": .string(span.spanID)]))
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
        "gen_ai.request.frequency_penalty": "frequency_penalty",
        "gen_ai.request.presence_penalty": "presence_penalty",
        "gen_ai.request.stop_sequences": "stop", "gen_ai.request.choice.count": "n",
      ]
      for (attribute, field) in parameters {
        if let value = span.attributes[attribute] { body[field] = value }
      }
      if let tools = span.jsonList("gen_ai.tool.definitions")
        ?? span.jsonList("gen_ai.request.tools"),
        !tools.isEmpty
      {
        body["tools"] = .array(tools.map(Self.chatTool))
      }
      return .object(body)
    }

    /// A tool definition in OpenAI chat form: the conventions' flat
    /// `{"type", "name", "description", "parameters"}` goes under `function`.
    static func chatTool(_ definition: JSONValue) -> JSONValue {
      guard var members = definition.objectValue, members["function"] == nil,
        members["name"] != nil
      else { return definition }
      members["type"] = nil
      return [
        "type": .string(definition["type"]?.stringValue ?? "function"),
        "function": .object(members),
      ]
    }

    /// The call's answer as an OpenAI chat completion.
    static func response(_ span: Span, _ output: [OTLPMessage]) -> JSONValue {
      let reasons = (span.attributes["gen_ai.response.finish_reasons"]?.arrayValue ?? [])
        .compactMap(\.stringValue)
      var body: [String: JSONValue] = [
        "object": "chat.completion",
        "choices": .array(
          output.enumerated().map { index, message in
            var choice: [String: JSONValue] = [
              "index": .int(Int64(index)), "message": message.chatJSON,
            ]
            if let reason = message.finishReason ?? (index < reasons.count ? reasons[index] : nil) {
              choice["finish_reason"] = .string(reason == "tool_call" ? "tool_calls" : reason)
            }
            return .object(choice)
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
