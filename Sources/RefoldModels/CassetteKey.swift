import Crypto
import RefoldCore

/// The cassette key of a request: SHA-256 (hex) of its canonical form.
///
/// The canonical request keeps the fields that decide the answer — `model`, `messages`,
/// `system`, `prompt`, `tools`, `tool_choice`, `response_format`, `temperature`, `top_p`,
/// `max_tokens`, `seed` — and drops everything else (`stream`, `user`, metadata), then
/// writes them as canonical JSON (sorted keys, no insignificant whitespace, stable numbers).
///
/// ```swift
/// let key = CassetteKey.key(for: request.body)  // "3f2a…" (64 hex digits)
/// ```
public enum CassetteKey {
  /// The request fields that decide the answer.
  public static let decidingFields: Set<String> = [
    "model", "messages", "system", "prompt", "tools", "tool_choice", "response_format",
    "temperature", "top_p", "max_tokens", "seed",
  ]

  /// The request reduced to the fields that decide the answer.
  public static func canonicalRequest(_ body: JSONValue) -> JSONValue {
    guard let members = body.objectValue else { return body }
    return .object(members.filter { decidingFields.contains($0.key) })
  }

  /// The canonical string that is hashed.
  public static func canonicalString(_ body: JSONValue) -> String {
    canonicalRequest(body).canonicalString
  }

  /// The key: lowercase hex SHA-256 of ``canonicalString(_:)``.
  public static func key(for body: JSONValue) -> String {
    let digest = SHA256.hash(data: Array(canonicalString(body).utf8))
    return digest.map { byte in
      let hex = String(byte, radix: 16)
      return byte < 16 ? "0" + hex : hex
    }.joined()
  }
}
