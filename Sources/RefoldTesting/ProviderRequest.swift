import Foundation
import RefoldCore

/// One request a ``ProviderServer`` received.
public struct ProviderRequest: Sendable, Hashable {
  /// `POST`.
  public var method: String
  /// `/v1/chat/completions` or `/v1/messages`.
  public var path: String
  /// The headers, by lowercased name.
  public var headers: [String: String]
  public var body: Data

  public init(method: String, path: String, headers: [String: String], body: Data) {
    self.method = method
    self.path = path
    self.headers = headers
    self.body = body
  }

  /// The header called `name` (any case), if sent.
  public func header(_ name: String) -> String? { headers[name.lowercased()] }

  /// The body as JSON, or nil when it is not JSON.
  public var json: RefoldCore.JSONValue? { try? JSONParser.parse(bytes: [UInt8](body)) }

  /// The body as text.
  public var text: String { String(decoding: body, as: UTF8.self) }
}
