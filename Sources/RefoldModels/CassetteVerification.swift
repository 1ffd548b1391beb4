import RefoldCore
import RefoldShared

/// What makes a cassette line truthful: known fields only, a key that is the hash of its
/// request, and an answer in the provider's format.
///
/// A line whose request was edited, whose key is stale, or whose answer is not what the
/// provider sends would otherwise replay silently. The sentences say what to do.
public enum CassetteVerification {
  /// The fields a cassette line may have.
  public static let knownFields: Set<String> = [
    "key", "n", "provider", "request", "response", "recorded_at", "latency_ms", "usage",
    "thread", "meta", "key_scheme",
  ]

  /// What to do about a line that does not verify.
  static func advice(_ path: String) -> String {
    "re-record the cassette, or run `refold cassette rekey \(path)` after a deliberate edit"
  }

  /// The reason a line's members include a field no cassette line has, or nil.
  public static func unknownField(in names: some Sequence<String>, path: String) -> String? {
    guard let unknown = names.first(where: { !knownFields.contains($0) }) else { return nil }
    return "unknown field \"\(unknown)\" in a cassette line; remove it, or \(advice(path))"
  }

  /// The reason `exchange` does not verify, or nil: its key against its request, its
  /// response against its provider's format.
  public static func problem(in exchange: Exchange, path: String) -> String? {
    let computed = CassetteKey.key(for: exchange.request)
    if computed != exchange.key {
      return "the key \(exchange.key) is not the hash of the line's request (\(computed)): "
        + "the request was edited or the key is stale; \(advice(path))"
    }
    if let problem = responseProblem(exchange.response, provider: exchange.provider) {
      return "the answer is not \(problem); \(advice(path))"
    }
    return nil
  }

  /// What the response of `provider` should be and is not, or nil.
  static func responseProblem(_ response: JSONValue, provider: String) -> String? {
    guard let members = response.objectValue else { return "a JSON object" }
    if let error = members["error"], !error.isNull { return nil }
    switch provider {
    case "openai":
      // An embeddings answer (`POST /embeddings`, a suite's `embeddings:` model) holds data.
      let isEmbeddings = members["data"]?.arrayValue != nil && members["choices"] == nil
      guard members["choices"]?.arrayValue != nil || isEmbeddings else {
        return "an OpenAI chat completion (no \"choices\" array)"
      }
    case "anthropic":
      guard members["content"]?.arrayValue != nil else {
        return "an Anthropic message (no \"content\" array)"
      }
    default:
      return "from a known provider (openai or anthropic), it says \"\(provider)\""
    }
    return nil
  }
}
