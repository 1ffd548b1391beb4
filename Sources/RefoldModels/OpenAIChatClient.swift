import Foundation
import RefoldCore

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

/// An OpenAI Chat Completions client (also vLLM, Ollama, llama.cpp's server).
///
/// Posts to `{baseURL}/chat/completions` with `Authorization: Bearer <key>` when a key is
/// given.
public struct OpenAIChatClient: ModelClient {
  public static let defaultBaseURL = "https://api.openai.com/v1"
  public var provider: ModelSettings.Provider { .openai }
  let connection: ProviderConnection

  public init(
    baseURL: String = defaultBaseURL, apiKey: String?, options: ClientOptions = .init(),
    dependencies: Dependencies = .live
  ) {
    var headers: [String: String] = [:]
    if let apiKey { headers["Authorization"] = "Bearer \(apiKey)" }
    connection = ProviderConnection(
      url: Self.endpoint(baseURL, "chat/completions"), headers: headers, options: options,
      dependencies: dependencies)
  }

  public func send(_ body: JSONValue) async throws(ModelSourceError) -> ClientResult {
    try await connection.post(body) { response in
      guard let usage = response["usage"], let input = usage["prompt_tokens"]?.intValue,
        let output = usage["completion_tokens"]?.intValue
      else { return nil }
      return TokenUsage(inputTokens: input, outputTokens: output)
    }
  }

  static func endpoint(_ base: String, _ path: String) -> URL {
    let trimmed = base.hasSuffix("/") ? String(base.dropLast()) : base
    return URL(string: trimmed + "/" + path) ?? URL(fileURLWithPath: "/invalid-base-url")
  }
}
