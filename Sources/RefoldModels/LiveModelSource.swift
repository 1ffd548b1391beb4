import Foundation
import RefoldCore
import Synchronization

/// Asks a live endpoint for every request; nothing is recorded.
public struct LiveModelSource: ModelSource {
  public let client: any ModelClient

  public init(client: any ModelClient) { self.client = client }

  /// A source for the spec's model settings: the provider's client at the settings' base URL
  /// (or the provider's default), with the API key read from the environment variable the
  /// settings name, sending and timing through `dependencies`.
  ///
  /// - Throws: ``ModelSourceError/missingAPIKey(variable:place:)`` when that variable is not set.
  public init(
    settings: ModelSettings,
    environment: [String: String] = ProcessInfo.processInfo.environment,
    options: ClientOptions = ClientOptions(), dependencies: Dependencies = .live
  ) throws(ModelSourceError) {
    var apiKey: String?
    if let variable = settings.apiKeyEnvironment {
      guard let value = environment[variable], !value.isEmpty else {
        throw .missingAPIKey(variable: variable, place: settings.apiKeyEnvironmentPlace)
      }
      apiKey = value
    }
    switch settings.provider {
    case .openai:
      client = OpenAIChatClient(
        baseURL: settings.baseURL ?? OpenAIChatClient.defaultBaseURL, apiKey: apiKey,
        options: options, dependencies: dependencies)
    case .anthropic:
      client = AnthropicMessagesClient(
        baseURL: settings.baseURL ?? AnthropicMessagesClient.defaultBaseURL, apiKey: apiKey,
        options: options, dependencies: dependencies)
    }
  }

  public func respond(to request: ModelRequest) async throws(ModelSourceError) -> ModelResponse {
    let result = try await client.send(request.body)
    return ModelResponse(
      body: result.body, key: request.key, n: 0, usage: result.usage,
      latencyMilliseconds: result.latencyMilliseconds, meta: result.meta)
  }
}
