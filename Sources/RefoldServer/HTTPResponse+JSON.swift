import FlyingFox
import Foundation
import RefoldCore

extension HTTPResponse {
  /// A JSON response with `value` as canonical JSON.
  static func json(_ value: RefoldCore.JSONValue, status: HTTPStatusCode = .ok) -> HTTPResponse {
    HTTPResponse(
      statusCode: status, headers: [.contentType: "application/json"],
      body: Data((value.canonicalString + "\n").utf8))
  }

  /// A JSON error in OpenAI's shape: `{"error": {"type": …, "message": …}}`.
  static func jsonError(_ status: HTTPStatusCode, type: String, message: String) -> HTTPResponse {
    json(["error": ["type": .string(type), "message": .string(message)]], status: status)
  }

  /// A JSON error in the shape of `provider`'s API: OpenAI's
  /// `{"error": {"type": …, "message": …}}`, or Anthropic's
  /// `{"type": "error", "error": {"type": …, "message": …}}` (with `anthropicType`).
  static func providerError(
    _ status: HTTPStatusCode, provider: ModelSettings.Provider, type: String,
    anthropicType: String, message: String
  ) -> HTTPResponse {
    switch provider {
    case .openai:
      return jsonError(status, type: type, message: message)
    case .anthropic:
      return json(
        [
          "type": "error",
          "error": ["type": .string(anthropicType), "message": .string(message)],
        ], status: status)
    }
  }
}

extension HTTPStatusCode {
  /// The status with code `code`, with a generic phrase when FlyingFox names none.
  static func code(_ code: Int) -> HTTPStatusCode {
    HTTPStatusCode(code, phrase: code < 400 ? "OK" : (code < 500 ? "Client Error" : "Server Error"))
  }
}
