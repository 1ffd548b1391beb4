import RefoldCore

/// Builds provider request bodies from an agent spec and a thread.
///
/// The thread is rendered in the spec's context format; the prompt template is rendered with
/// it. With `xml-tags` and `json-events` the rendered prompt is one user message; with
/// `chat-messages` the rendered prompt is the system prompt (with an empty `thread`) and
/// the thread becomes the messages. The output mode decides the tools:
///
/// | mode | OpenAI Chat Completions | Anthropic Messages |
/// |---|---|---|
/// | `tools` | one function per intent, `tool_choice: "required"` | one tool per intent, `tool_choice: {"type":"any"}` |
/// | `next-step` | one function `next_step`, forced by name | one tool `next_step`, forced by name |
/// | `json` | `response_format: {"type":"json_object","schema":…}` | JSON asked for in the prompt |
///
/// `next_step`'s arguments are `{"intent": <one of the intent names>, …}` plus the union of
/// all intents' parameters; only `intent` is required, and no other field is allowed.
///
/// What every request of a spec shares is worked out once, when the builder is made: the
/// output instructions, the prompt template rendered with everything but the thread, the
/// body's model, sampling and tool members and their canonical bytes for the key. A request
/// then renders its thread, splices it into the prompt, and writes and hashes only the
/// messages.
public struct RequestBuilder: Sendable {
  public let spec: AgentSpec
  public let template: PromptTemplate

  /// The function name of the `next-step` output mode.
  public static let nextStepName = "next_step"

  private let options: ContextFormat.Options
  private let instructions: String
  /// The template rendered with everything but the thread; nil when the template uses the
  /// thread other than as plain text (it is then rendered for every request).
  private let prepared: PreparedPrompt?
  /// The body members every request has: model, sampling, tools, tool choice, response format.
  private let sharedMembers: [String: JSONValue]
  private let sharedKey: CassetteKey.SharedMembers
  /// For a prepared prompt in a text format: the canonical body around the thread (set
  /// last in `init`, as working it out takes a whole builder).
  private var splicedKey: CassetteKey.Spliced?

  /// Prepares a builder; the template is checked here.
  ///
  /// - Throws: ``AgentSpecError`` when the spec's prompt template is invalid.
  public init(spec: AgentSpec) throws(AgentSpecError) {
    self.spec = spec
    let template = try PromptTemplate(spec.promptTemplate, path: spec.promptPath)
    self.template = template
    options = ContextFormat.Options(
      vocabulary: spec.vocabulary, hidesResolvedErrors: spec.hidesResolvedErrors)
    let instructions = Self.outputInstructions(for: spec)
    self.instructions = instructions
    prepared = template.prepared(
      PromptValues(
        thread: "", intents: spec.intents, outputInstructions: instructions,
        agentName: spec.name))
    let shared = Self.sharedMembers(for: spec)
    sharedMembers = shared
    let sharedKey = CassetteKey.SharedMembers(shared)
    self.sharedKey = sharedKey
    splicedKey = nil
    if let prepared = self.prepared, spec.contextFormat != .chatMessages {
      let builder = self
      splicedKey = CassetteKey.Spliced { thread in
        let prompt = prepared.render(thread: thread)
        return sharedKey.canonicalBytes(
          adding: builder.varyingMembers(
            system: nil, messages: [ContextFormat.Message(role: .user, content: prompt)]))
      }
    }
  }

  /// Whether a request's key hashes only its thread and what follows it (see
  /// `CassetteKey.Spliced`).
  var splicesKeys: Bool { splicedKey != nil }

  /// The request asking for the decision after `events`.
  ///
  /// - Throws: ``AgentSpecError`` only if rendering the template fails.
  public func request(thread: String, events: [Event]) throws(AgentSpecError) -> ModelRequest {
    let rendered = ContextFormat.render(events, as: spec.contextFormat, options: options)
    var threadText = ""
    if case .text(let text) = rendered { threadText = text }
    let prompt: String
    if let prepared {
      prompt = prepared.render(thread: threadText)
    } else {
      prompt = try template.render(
        PromptValues(
          thread: threadText, intents: spec.intents, outputInstructions: instructions,
          agentName: spec.name))
    }
    let varying: [String: JSONValue]
    let transcript: String
    switch rendered {
    case .text:
      transcript = prompt
      varying = varyingMembers(
        system: nil, messages: [ContextFormat.Message(role: .user, content: prompt)])
    case .messages(let messages):
      transcript = "[system]\n" + prompt + "\n" + rendered.transcript
      varying = varyingMembers(system: prompt, messages: messages)
    }
    let body = sharedMembers.merging(varying) { _, new in new }
    let key: String
    var canonical = RequestBody.unknown
    if let splicedKey, prepared != nil, case .text = rendered {
      (key, canonical) = splicedKey.keyAndBody(inserting: threadText)
    } else {
      key = sharedKey.key(adding: varying)
    }
    return ModelRequest(
      provider: spec.model.provider, body: .object(body), key: key, thread: thread,
      renderedContext: transcript, canonicalBody: canonical)
  }

  /// The sentence telling the model how to answer in the spec's output mode.
  public static func outputInstructions(for spec: AgentSpec) -> String {
    let names = spec.intents.map(\.name).joined(separator: ", ")
    switch spec.outputMode {
    case .tools:
      return "Decide the next step by calling exactly one of the tools (\(names)), "
        + "with the parameters its schema asks for."
    case .nextStep:
      return "Decide the next step by calling the function next_step. Set \"intent\" to one of "
        + "\(names), and add that intent's parameters as further fields."
    case .json:
      var text =
        "Decide the next step and answer with one JSON object and nothing else: "
        + "{\"intent\": \"<one of \(names)>\", plus that intent's parameters as further fields}."
      if spec.model.provider == .anthropic {
        text +=
          " The object must match this JSON schema: "
          + nextStepSchema(spec.intents).canonicalString
      }
      return text
    }
  }

  /// The parameter schema of `next_step`: the intent name plus the union of all parameters.
  ///
  /// A property that several intents declare differently is merged: its types and enum
  /// values are the union, its description the first one given.
  public static func nextStepSchema(_ intents: [IntentSpec]) -> JSONValue {
    var properties: [String: JSONValue] = [
      "intent": [
        "type": "string", "enum": .array(intents.map { .string($0.name) }),
        "description": "the intent to carry out next",
      ]
    ]
    for intent in intents {
      for (name, schema) in intent.parameters["properties"]?.objectValue ?? [:] {
        guard name != "intent" else { continue }
        if let existing = properties[name], existing != schema {
          properties[name] = merge(existing, schema)
        } else {
          properties[name] = schema
        }
      }
    }
    return [
      "type": "object", "properties": .object(properties), "required": ["intent"],
      "additionalProperties": false,
    ]
  }

  private static func merge(_ a: JSONValue, _ b: JSONValue) -> JSONValue {
    func types(_ schema: JSONValue) -> [JSONValue] {
      if let name = schema["type"], name.stringValue != nil { return [name] }
      return schema["type"]?.arrayValue ?? []
    }
    var merged: [String: JSONValue] = [:]
    var allTypes = types(a)
    for type in types(b) where !allTypes.contains(type) { allTypes.append(type) }
    if !allTypes.isEmpty {
      merged["type"] = allTypes.count == 1 ? allTypes[0] : .array(allTypes)
    }
    if let first = a["enum"]?.arrayValue, let second = b["enum"]?.arrayValue {
      var values = first
      for value in second where !values.contains(value) { values.append(value) }
      merged["enum"] = .array(values)
    }
    if let description = a["description"] ?? b["description"] {
      merged["description"] = description
    }
    if let items = a["items"], a["items"] == b["items"] { merged["items"] = items }
    return .object(merged)
  }

  // MARK: Bodies

  /// The members that depend on the thread: the messages, and Anthropic's system prompt.
  private func varyingMembers(system: String?, messages: [ContextFormat.Message])
    -> [String: JSONValue]
  {
    switch spec.model.provider {
    case .openai:
      return ["messages": .array(openAIMessages(system: system, messages: messages))]
    case .anthropic:
      var members: [String: JSONValue] = [
        "messages": .array(anthropicMessages(messages))
      ]
      if let system { members["system"] = .string(system) }
      return members
    }
  }

  /// The members every request of `spec` has: model, sampling, tools, tool choice and
  /// response format.
  private static func sharedMembers(for spec: AgentSpec) -> [String: JSONValue] {
    var body: [String: JSONValue] = ["model": .string(spec.model.name)]
    let model = spec.model
    if let temperature = model.temperature { body["temperature"] = .double(temperature) }
    if let topP = model.topP { body["top_p"] = .double(topP) }
    if let maxTokens = model.maxTokens { body["max_tokens"] = .int(Int64(maxTokens)) }
    switch model.provider {
    case .openai:
      if let seed = model.seed { body["seed"] = .int(Int64(seed)) }
      switch spec.outputMode {
      case .tools:
        body["tools"] = .array(functions(for: spec).map(openAITool))
        body["tool_choice"] = "required"
      case .nextStep:
        body["tools"] = .array(functions(for: spec).map(openAITool))
        body["tool_choice"] = ["type": "function", "function": ["name": .string(nextStepName)]]
      case .json:
        body["response_format"] = [
          "type": "json_object", "schema": nextStepSchema(spec.intents),
        ]
      }
    case .anthropic:
      if body["max_tokens"] == nil { body["max_tokens"] = 1024 }
      switch spec.outputMode {
      case .tools:
        body["tools"] = .array(functions(for: spec).map(anthropicTool))
        body["tool_choice"] = ["type": "any"]
      case .nextStep:
        body["tools"] = .array(functions(for: spec).map(anthropicTool))
        body["tool_choice"] = ["type": "tool", "name": .string(nextStepName)]
      case .json:
        break
      }
    }
    return body
  }

  /// How past decisions appear in a `chat-messages` history: native calls of the intent's
  /// own function, `next_step` calls, or JSON text (json mode).
  private func historyCall(_ call: ContextFormat.ToolCall) -> (name: String, arguments: JSONValue) {
    guard spec.outputMode == .nextStep else { return (call.name, call.arguments) }
    var arguments = call.arguments.objectValue ?? [:]
    arguments["intent"] = .string(call.name)
    return (Self.nextStepName, .object(arguments))
  }

  private func jsonText(_ call: ContextFormat.ToolCall) -> String {
    var arguments = call.arguments.objectValue ?? [:]
    arguments["intent"] = .string(call.name)
    return JSONValue.object(arguments).canonicalString
  }

  private static func functions(for spec: AgentSpec)
    -> [(name: String, description: String, schema: JSONValue)]
  {
    switch spec.outputMode {
    case .tools:
      return spec.intents.map { ($0.name, $0.description, $0.parameters) }
    case .nextStep:
      return [
        (
          nextStepName, "Choose the next step: an intent and its parameters.",
          nextStepSchema(spec.intents)
        )
      ]
    case .json:
      return []
    }
  }

  private func openAIMessages(system: String?, messages: [ContextFormat.Message]) -> [JSONValue] {
    var wire: [JSONValue] = []
    if let system { wire.append(["role": "system", "content": .string(system)]) }
    let native = spec.outputMode != .json
    for message in messages {
      switch message.role {
      case .user:
        wire.append(["role": "user", "content": .string(message.content)])
      case .assistant:
        if native {
          let calls = message.toolCalls.map { call -> JSONValue in
            let (name, arguments) = historyCall(call)
            return [
              "id": .string(call.id), "type": "function",
              "function": ["name": .string(name), "arguments": .string(arguments.canonicalString)],
            ]
          }
          wire.append(["role": "assistant", "content": .null, "tool_calls": .array(calls)])
        } else {
          let text = message.toolCalls.map(jsonText).joined(separator: "\n")
          wire.append(["role": "assistant", "content": .string(text)])
        }
      case .tool:
        if native {
          wire.append([
            "role": "tool", "tool_call_id": .string(message.toolCallID ?? ""),
            "content": .string(message.content),
          ])
        } else {
          let label = message.isError ? "error" : "result"
          wire.append(["role": "user", "content": .string("\(label): \(message.content)")])
        }
      }
    }
    return wire
  }

  private static func openAITool(
    _ function: (name: String, description: String, schema: JSONValue)
  ) -> JSONValue {
    [
      "type": "function",
      "function": [
        "name": .string(function.name), "description": .string(function.description),
        "parameters": function.schema,
      ],
    ]
  }

  private func anthropicMessages(_ messages: [ContextFormat.Message]) -> [JSONValue] {
    var wire: [JSONValue] = []
    var pendingUser: [JSONValue] = []
    let native = spec.outputMode != .json
    func flushUser() {
      if !pendingUser.isEmpty {
        wire.append(["role": "user", "content": .array(pendingUser)])
        pendingUser = []
      }
    }
    for message in messages {
      switch message.role {
      case .user:
        pendingUser.append(["type": "text", "text": .string(message.content)])
      case .tool:
        if native {
          var block: [String: JSONValue] = [
            "type": "tool_result", "tool_use_id": .string(message.toolCallID ?? ""),
            "content": .string(message.content),
          ]
          if message.isError { block["is_error"] = true }
          pendingUser.append(.object(block))
        } else {
          let label = message.isError ? "error" : "result"
          pendingUser.append(["type": "text", "text": .string("\(label): \(message.content)")])
        }
      case .assistant:
        flushUser()
        let blocks = message.toolCalls.map { call -> JSONValue in
          if native {
            let (name, arguments) = historyCall(call)
            return [
              "type": "tool_use", "id": .string(call.id), "name": .string(name),
              "input": arguments,
            ]
          }
          return ["type": "text", "text": .string(jsonText(call))]
        }
        wire.append(["role": "assistant", "content": .array(blocks)])
      }
    }
    flushUser()
    return wire
  }

  private static func anthropicTool(
    _ function: (name: String, description: String, schema: JSONValue)
  ) -> JSONValue {
    [
      "name": .string(function.name), "description": .string(function.description),
      "input_schema": function.schema,
    ]
  }
}
