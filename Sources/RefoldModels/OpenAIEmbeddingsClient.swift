import Foundation
import RefoldCore

/// An OpenAI Embeddings client (also vLLM, Ollama, llama.cpp's server, text-embeddings-inference).
///
/// Posts `{"model": …, "input": […]}` to `{baseURL}/embeddings` with
/// `Authorization: Bearer <key>` when a key is given. Wrapped in a ``LiveModelSource`` it is
/// a model source like a chat client, so its calls are recorded in and replayed from
/// cassettes the same way.
public struct OpenAIEmbeddingsClient: ModelClient {
  public var provider: ModelSettings.Provider { .openai }
  let connection: ProviderConnection

  public init(
    baseURL: String = OpenAIChatClient.defaultBaseURL, apiKey: String?,
    options: ClientOptions = .init(), dependencies: Dependencies = .live
  ) {
    var headers: [String: String] = [:]
    if let apiKey { headers["Authorization"] = "Bearer \(apiKey)" }
    connection = ProviderConnection(
      url: OpenAIChatClient.endpoint(baseURL, "embeddings"), headers: headers, options: options,
      dependencies: dependencies)
  }

  /// A client for the settings' base URL and API key variable.
  ///
  /// - Throws: ``ModelSourceError/missingAPIKey(variable:place:)`` when that variable is not set.
  public init(
    settings: ModelSettings,
    environment: [String: String] = ProcessInfo.processInfo.environment,
    options: ClientOptions = .init(), dependencies: Dependencies = .live
  ) throws(ModelSourceError) {
    var apiKey: String?
    if let variable = settings.apiKeyEnvironment {
      guard let value = environment[variable], !value.isEmpty else {
        throw .missingAPIKey(variable: variable, place: settings.apiKeyEnvironmentPlace)
      }
      apiKey = value
    }
    self.init(
      baseURL: settings.baseURL ?? OpenAIChatClient.defaultBaseURL, apiKey: apiKey,
      options: options, dependencies: dependencies)
  }

  public func send(_ body: JSONValue) async throws(ModelSourceError) -> ClientResult {
    try await connection.post(body) { response in
      guard let input = response["usage"]?["prompt_tokens"]?.intValue else { return nil }
      return TokenUsage(inputTokens: input, outputTokens: 0)
    }
  }

  /// The request body for `texts`.
  public static func body(model: String, texts: [String]) -> JSONValue {
    .object(["model": .string(model), "input": .array(texts.map { .string($0) })])
  }

  /// The vectors of an embeddings answer, in input order; nil when it is not one.
  public static func vectors(in response: JSONValue) -> [[Double]]? {
    guard case .array(let items)? = response["data"] else { return nil }
    var ordered: [(index: Int, vector: [Double])] = []
    for (position, item) in items.enumerated() {
      guard case .array(let numbers)? = item["embedding"] else { return nil }
      var vector: [Double] = []
      vector.reserveCapacity(numbers.count)
      for number in numbers {
        guard let value = number.doubleValue else { return nil }
        vector.append(value)
      }
      ordered.append((item["index"]?.intValue ?? position, vector))
    }
    return ordered.sorted { $0.index < $1.index }.map(\.vector)
  }
}
