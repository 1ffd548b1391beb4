import Foundation
import RefoldCore

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

/// An Anthropic Messages client.
///
/// Posts to `{baseURL}/messages` with `x-api-key` and `anthropic-version` headers.
public struct AnthropicMessagesClient: ModelClient {
  public static let defaultBaseURL = "https://api.anthropic.com/v1"
  public var provider: ModelSettings.Provider { .anthropic }
  let connection: ProviderConnection

  public init(
    baseURL: String = defaultBaseURL, apiKey: String?, version: String = "2023-06-01",
    options: ClientOptions = .init(), dependencies: Dependencies = .live
  ) {
    var headers = ["anthropic-version": version]
    if let apiKey { headers["x-api-key"] = apiKey }
    connection = ProviderConnection(
      url: OpenAIChatClient.endpoint(baseURL, "messages"), headers: headers, options: options,
      dependencies: dependencies)
  }

  public func send(_ body: JSONValue) async throws(ModelSourceError) -> ClientResult {
    try await connection.post(body) { response in
      guard let usage = response["usage"], let input = usage["input_tokens"]?.intValue,
        let output = usage["output_tokens"]?.intValue
      else { return nil }
      return TokenUsage(inputTokens: input, outputTokens: output)
    }
  }
}
