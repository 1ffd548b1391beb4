import Foundation
import RefoldCore

/// What a ``ProviderServer`` answers: a status, headers and a body.
public struct ProviderResponse: Sendable, Hashable {
  public var status: Int
  /// The reason phrase sent with the status.
  public var phrase: String
  public var headers: [String: String]
  public var body: Data

  public init(status: Int = 200, phrase: String = "OK", headers: [String: String] = [:], body: Data)
  {
    self.status = status
    self.phrase = phrase
    self.headers = headers
    self.body = body
  }

  /// A JSON body (`Content-Type: application/json`) with `status`.
  public static func json(
    _ value: RefoldCore.JSONValue, status: Int = 200, phrase: String? = nil,
    headers: [String: String] = [:]
  ) -> ProviderResponse {
    var all = headers
    all["Content-Type"] = "application/json"
    return ProviderResponse(
      status: status, phrase: phrase ?? Self.phrase(for: status), headers: all,
      body: Data(value.canonicalString.utf8))
  }

  /// The usual reason phrase of the statuses a provider sends.
  static func phrase(for status: Int) -> String {
    switch status {
    case 200: "OK"
    case 400: "Bad Request"
    case 401: "Unauthorized"
    case 404: "Not Found"
    case 429: "Too Many Requests"
    case 500: "Internal Server Error"
    case 503: "Service Unavailable"
    default: "Status \(status)"
    }
  }
}
