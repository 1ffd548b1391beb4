import Foundation
import RefoldCore
import RefoldModels
import RefoldTestSupport
import Testing

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

/// Paths, specs and HTTP helpers shared by the server tests.
enum Support {
  /// The package root.
  static var packageRoot: String { Repository.root }

  static var deploybotPath: String { packageRoot + "/evals/deploybot/agent.yaml" }

  static func deploybot() throws -> AgentSpec {
    try AgentSpecLoader(environment: [:]).load(path: deploybotPath)
  }

  /// A fresh temporary directory.
  static func temporaryDirectory() throws -> String {
    let path = NSTemporaryDirectory() + "refold-server-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
  }

  /// An HTTP answer: status, headers, body.
  struct Answer: Sendable {
    var status: Int
    var headers: [String: String]
    var body: Data
    var json: JSONValue? { try? JSONParser.parse(bytes: [UInt8](body)) }
  }

  /// Sends one request with URLSession and waits for the answer.
  static func send(
    _ method: String, _ url: String, body: Data? = nil, headers: [String: String] = [:]
  ) async throws -> Answer {
    let target = try #require(URL(string: url))
    var request = URLRequest(url: target, timeoutInterval: 60)
    request.httpMethod = method
    request.httpBody = body
    for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
    let session = URLSession(configuration: .ephemeral)
    defer { session.finishTasksAndInvalidate() }
    let (data, response) = try await session.dataAndResponse(for: request)
    let http = try #require(response as? HTTPURLResponse)
    var fields: [String: String] = [:]
    for (name, value) in http.allHeaderFields {
      if let name = name as? String, let value = value as? String {
        fields[name.lowercased()] = value
      }
    }
    return Answer(status: http.statusCode, headers: fields, body: data)
  }

  static func post(_ url: String, json: JSONValue, headers: [String: String] = [:])
    async throws -> Answer
  {
    var all = headers
    all["Content-Type"] = "application/json"
    return try await send("POST", url, body: Data(json.canonicalString.utf8), headers: all)
  }
}
