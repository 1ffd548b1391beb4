/// The owned parts of an agent, as data: model, prompt, context format, intents, policy.
///
/// `RefoldModels.AgentSpecLoader` reads it from `agent.yaml`; everything here is plain values
/// so that the core can render contexts and run the loop without touching files.
public struct AgentSpec: Sendable, Hashable {
  public var name: String
  public var model: ModelSettings
  /// The Mustache prompt template text (already read from its file).
  public var promptTemplate: String
  /// Where the template came from, for error messages.
  public var promptPath: String?
  public var contextFormat: ContextFormatKind
  public var outputMode: OutputMode
  /// The intents, in the order the spec lists them (the order tools are offered in).
  public var intents: [IntentSpec]
  /// Event-type aliases: alias → canonical type.
  public var aliases: [String: String]
  public var policy: ControlPolicy
  /// Hide error events that a later success made irrelevant (factor 3's compaction).
  public var hidesResolvedErrors: Bool

  public init(
    name: String, model: ModelSettings, promptTemplate: String, promptPath: String? = nil,
    contextFormat: ContextFormatKind = .xmlTags, outputMode: OutputMode = .tools,
    intents: [IntentSpec], aliases: [String: String] = [:], policy: ControlPolicy = .default,
    hidesResolvedErrors: Bool = false
  ) {
    self.name = name
    self.model = model
    self.promptTemplate = promptTemplate
    self.promptPath = promptPath
    self.contextFormat = contextFormat
    self.outputMode = outputMode
    self.intents = intents
    self.aliases = aliases
    self.policy = policy
    self.hidesResolvedErrors = hidesResolvedErrors
  }

  /// The vocabulary the spec defines: its intents, its aliases, and the default rules for
  /// the rest.
  public var vocabulary: Vocabulary {
    var kinds: [String: IntentKind] = [:]
    for intent in intents { kinds[intent.name] = intent.kind }
    return Vocabulary(intents: kinds, aliases: aliases)
  }

  /// The reducer for threads of this agent.
  public var reducer: ThreadReducer { ThreadReducer(vocabulary: vocabulary, policy: policy) }

  /// The intent named `name`, if the spec declares it.
  public func intent(named name: String) -> IntentSpec? { intents.first { $0.name == name } }
}

/// Which model to ask, and how.
public struct ModelSettings: Sendable, Hashable, Codable {
  public enum Provider: String, Sendable, Hashable, Codable, CaseIterable {
    /// OpenAI Chat Completions and compatible servers (vLLM, Ollama, llama.cpp).
    case openai
    /// Anthropic Messages.
    case anthropic
  }

  public var provider: Provider
  public var name: String
  /// The endpoint's base URL (`https://api.openai.com/v1`); nil means the provider's default.
  public var baseURL: String?
  /// The environment variable holding the API key; the key itself is never in a file.
  public var apiKeyEnvironment: String?
  /// Where the spec names ``apiKeyEnvironment`` (`agent.yaml:7: model.api_key_env`), for
  /// the error when the variable is not set; not part of the encoded settings.
  public var apiKeyEnvironmentPlace: String?
  public var temperature: Double?
  public var topP: Double?
  public var maxTokens: Int?
  public var seed: Int?

  public init(
    provider: Provider = .openai, name: String, baseURL: String? = nil,
    apiKeyEnvironment: String? = nil, temperature: Double? = nil, topP: Double? = nil,
    maxTokens: Int? = nil, seed: Int? = nil
  ) {
    self.provider = provider
    self.name = name
    self.baseURL = baseURL
    self.apiKeyEnvironment = apiKeyEnvironment
    self.temperature = temperature
    self.topP = topP
    self.maxTokens = maxTokens
    self.seed = seed
  }

  private enum CodingKeys: String, CodingKey {
    case provider, name, baseURL, apiKeyEnvironment, temperature, topP, maxTokens, seed
  }
}

/// How a thread is shown to the model.
public enum ContextFormatKind: String, Sendable, Hashable, Codable, CaseIterable {
  /// One `<type>` block per event with the data as YAML-like lines (the 12-factor default).
  case xmlTags = "xml-tags"
  /// One JSON object per event.
  case jsonEvents = "json-events"
  /// Standard role rotation with native tool calls and tool results.
  case chatMessages = "chat-messages"
}

/// How the model is asked to answer.
public enum OutputMode: String, Sendable, Hashable, Codable, CaseIterable {
  /// One function per intent.
  case tools
  /// One forced function whose arguments are the union of intents: `{"intent": …, …}`.
  case nextStep = "next-step"
  /// Structured output in the message content.
  case json
}

/// One intent the agent may decide on.
public struct IntentSpec: Sendable, Hashable {
  public var name: String
  public var kind: IntentKind
  public var description: String
  /// The parameter schema, a JSON Schema subset (type, properties, required, enum, items,
  /// maxLength, description) as JSON.
  public var parameters: JSONValue
  /// The tool command that carries this intent out when the agent runs as a service.
  ///
  /// Program and arguments for `refold serve`; a shell line is `["/bin/sh", "-c", line]`.
  /// Nil when the spec names no command.
  public var command: [String]?
  /// Seconds the command may run before the call fails; nil is the service's default.
  public var timeout: Double?

  public init(
    name: String, kind: IntentKind, description: String = "",
    parameters: JSONValue = ["type": "object", "properties": [:]], command: [String]? = nil,
    timeout: Double? = nil
  ) {
    self.name = name
    self.kind = kind
    self.description = description
    self.parameters = parameters
    self.command = command
    self.timeout = timeout
  }
}

/// What the model decided: an intent name and its parameters.
public struct Intent: Sendable, Hashable, Codable {
  public var name: String
  public var parameters: JSONValue

  public init(name: String, parameters: JSONValue = .emptyObject) {
    self.name = name
    self.parameters = parameters
  }
}
