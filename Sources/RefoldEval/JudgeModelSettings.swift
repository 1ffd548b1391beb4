import Foundation
import RefoldCore
import RefoldModels

/// A model a suite asks about parameters rather than about decisions: its `judge:` (a chat
/// model grading `judge` matchers) or its `embeddings:` (an embeddings model for `similar`).
///
/// ```yaml
/// judge: {provider: anthropic, model: claude-haiku-4-5, api_key_env: ANTHROPIC_API_KEY}
/// judge: {provider: openai, model: gpt-4o-mini, base_url: http://127.0.0.1:8080/v1,
///         prompt: judge.mustache, cassette: cassettes/judge.jsonl}
/// embeddings: {model: text-embedding-3-small, cassette: cassettes/embeddings.jsonl}
/// ```
public struct JudgeModelSettings: Sendable, Hashable {
  /// Provider, model name, base URL and API key variable.
  public var settings: ModelSettings
  /// The cassette its calls are recorded in and replayed from (absolute path).
  public var cassette: String
  /// The judge's own prompt template (absolute path), or nil for the default.
  public var promptPath: String?
  /// Where `prompt:` is written (`suite.yaml:12`), for a template that cannot be read.
  public var promptPlace: String?
  /// How the judge is asked for structured output: for `openai`, `json_schema` (OpenAI's
  /// strict schema, the default) or `json_object` with the schema beside it (llama.cpp's
  /// servers); for `anthropic`, `tool` (a forced `verdict` tool call, the default) or `text`
  /// (the JSON object in the text answer).
  public var responseFormat = "json_schema"

  public init(settings: ModelSettings, cassette: String, promptPath: String? = nil) {
    self.settings = settings
    self.cassette = cassette
    self.promptPath = promptPath
  }

  /// Reads a `judge:` (`allowsPrompt`) or `embeddings:` mapping of a suite in `directory`.
  static func read(
    _ node: YAMLNode, directory: String, defaultCassette: String, allowsPrompt: Bool
  ) throws(YAMLProblem) -> JudgeModelSettings {
    if let key = try node.member("api_key") {
      throw key.problem(
        "API keys are never read from files; name the environment variable in api_key_env")
    }
    var allowed = ["provider", "model", "base_url", "api_key_env", "cassette"]
    if allowsPrompt { allowed += ["prompt", "response_format"] }
    try node.rejectUnknown(allowed: allowed)
    var settings = ModelSettings(name: try node.required("model").string())
    if let provider = try node.member("provider") {
      let name = try provider.string()
      switch name {
      case "openai":
        break
      case "anthropic" where allowsPrompt:
        settings.provider = .anthropic
        settings.maxTokens = 1024
      default:
        throw provider.problem(
          allowsPrompt
            ? "expected openai (an OpenAI-compatible endpoint) or anthropic (the Messages API)"
            : "expected openai (an OpenAI-compatible /embeddings endpoint)")
      }
    }
    if let url = try node.member("base_url") {
      let text = try url.string()
      guard text.hasPrefix("http://") || text.hasPrefix("https://") else {
        throw url.problem("expected an http:// or https:// URL")
      }
      settings.baseURL = text
    }
    if let variable = try node.member("api_key_env") {
      settings.apiKeyEnvironment = try variable.string()
      let location = variable.location
      settings.apiKeyEnvironmentPlace =
        location.file + (location.line.map { ":\($0)" } ?? "") + ": " + location.path
    }
    settings.temperature = allowsPrompt ? 0 : nil
    let cassette = try node.member("cassette").map { (value) throws(YAMLProblem) in
      try value.string()
    }
    let promptNode = try node.member("prompt")
    let prompt = try promptNode.map { (value) throws(YAMLProblem) in try value.string() }
    var read = JudgeModelSettings(
      settings: settings,
      cassette: SuiteLoader.resolve(cassette ?? defaultCassette, in: directory),
      promptPath: prompt.map { SuiteLoader.resolve($0, in: directory) })
    if let location = promptNode?.location {
      read.promptPlace = location.file + (location.line.map { ":\($0)" } ?? "")
    }
    if settings.provider == .anthropic { read.responseFormat = "tool" }
    if let format = try node.member("response_format") {
      let name = try format.string()
      let anthropic = settings.provider == .anthropic
      let known = anthropic ? ["tool", "text"] : ["json_schema", "json_object"]
      guard known.contains(name) else {
        throw format.problem(
          "expected \(known.joined(separator: " or ")) for an \(anthropic ? "anthropic" : "openai") judge"
        )
      }
      read.responseFormat = name
    }
    return read
  }

  /// The judge's prompt: the suite's own template, checked, or the default.
  ///
  /// - Throws: ``AgentSpecError`` with the template's file and line for a template that does
  ///   not parse or names an unknown variable or section, or that cannot be read.
  public func loadPrompt() throws(AgentSpecError) -> JudgePrompt {
    guard let path = promptPath else { return .standard }
    let text: String
    do {
      text = try String(contentsOfFile: path, encoding: .utf8)
    } catch {
      let named = promptPlace.map { " (prompt: in \($0))" } ?? ""
      throw AgentSpecError(
        file: path, path: "", message: "cannot read the judge prompt\(named)")
    }
    return try JudgePrompt(text, path: path)
  }
}
