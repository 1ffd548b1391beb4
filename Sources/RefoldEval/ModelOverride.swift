import RefoldCore

/// Model settings a variant overrides; nil fields keep the agent's.
public struct ModelOverride: Sendable, Hashable {
  public var provider: ModelSettings.Provider?
  public var name: String?
  public var baseURL: String?
  public var apiKeyEnvironment: String?
  public var temperature: Double?
  public var topP: Double?
  public var maxTokens: Int?
  public var seed: Int?

  public init(
    provider: ModelSettings.Provider? = nil, name: String? = nil, baseURL: String? = nil,
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

  /// `settings` with the overridden fields replaced.
  public func apply(to settings: ModelSettings) -> ModelSettings {
    var result = settings
    if let provider { result.provider = provider }
    if let name { result.name = name }
    if let baseURL { result.baseURL = baseURL }
    if let apiKeyEnvironment { result.apiKeyEnvironment = apiKeyEnvironment }
    if let temperature { result.temperature = temperature }
    if let topP { result.topP = topP }
    if let maxTokens { result.maxTokens = maxTokens }
    if let seed { result.seed = seed }
    return result
  }
}
