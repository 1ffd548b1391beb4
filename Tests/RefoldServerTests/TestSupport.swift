import FlyingFox
import Foundation
import RefoldCore
import RefoldModels
import RefoldTestSupport
import Synchronization
import Testing

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

/// FlyingFox has a `JSONValue` of its own; in these tests the name means Refold's.
typealias JSONValue = RefoldCore.JSONValue

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

/// A FlyingFox server on 127.0.0.1 that plays a model provider with canned answers.
final class UpstreamServer: Sendable {
  let server: HTTPServer
  let task: Task<Void, any Error>
  let port: UInt16
  /// The requests it received.
  let log = ReceivedLog()

  /// The requests it received, in order.
  var received: [ReceivedRequest] { log.entries.withLock { $0 } }

  init(answer: @escaping @Sendable (String, JSONValue) -> JSONValue) async throws {
    let server = HTTPServer(
      address: try .inet(ip4: "127.0.0.1", port: 0), timeout: 30, logger: .disabled)
    self.server = server
    let log = self.log
    await server.appendRoute("POST *") { request in
      let body = try await request.bodyData
      var headers: [String: String] = [:]
      for (name, value) in request.headers { headers[name.rawValue.lowercased()] = value }
      log.entries.withLock {
        $0.append(ReceivedRequest(path: request.path, headers: headers, body: body))
      }
      let parsed = (try? JSONParser.parse(bytes: [UInt8](body))) ?? .null
      let value = answer(request.path, parsed)
      return HTTPResponse(
        statusCode: .ok, headers: [.contentType: "application/json"],
        body: Data(value.canonicalString.utf8))
    }
    task = Task { try await server.run() }
    try await server.waitUntilListening(timeout: 60)
    guard case .ip4(_, let port) = await server.listeningAddress else {
      throw URLError(.cannotConnectToHost)
    }
    self.port = port
  }

  var baseURL: String { "http://127.0.0.1:\(port)/v1" }

  func stop() async {
    await server.stop(timeout: 1)
    task.cancel()
  }
}

/// One request an upstream server received.
struct ReceivedRequest: Sendable {
  var path: String
  var headers: [String: String]
  var body: Data
}

/// The requests an upstream server received.
final class ReceivedLog: Sendable {
  let entries = Mutex<[ReceivedRequest]>([])
}

/// Provider response bodies as the real endpoints send them.
enum Responses {
  static func openAIToolCall(name: String, arguments: JSONValue) -> JSONValue {
    [
      "id": "chatcmpl-9x", "object": "chat.completion", "created": 1_732_000_000,
      "model": "gpt-4o-mini-2024-07-18",
      "choices": [
        [
          "index": 0,
          "message": [
            "role": "assistant", "content": .null,
            "tool_calls": [
              [
                "id": "call_1", "type": "function",
                "function": [
                  "name": .string(name), "arguments": .string(arguments.canonicalString),
                ],
              ]
            ],
          ],
          "finish_reason": "tool_calls",
        ]
      ],
      "usage": ["prompt_tokens": 412, "completion_tokens": 23, "total_tokens": 435],
    ]
  }

  static func anthropicToolUse(name: String, input: JSONValue) -> JSONValue {
    [
      "id": "msg_01", "type": "message", "role": "assistant", "model": "claude-3-5-haiku",
      "content": [
        ["type": "text", "text": "Checking."],
        ["type": "tool_use", "id": "toolu_01", "name": .string(name), "input": input],
      ],
      "stop_reason": "tool_use", "usage": ["input_tokens": 512, "output_tokens": 61],
    ]
  }

  static func openAIContent(_ content: String) -> JSONValue {
    [
      "id": "chatcmpl-9y", "object": "chat.completion", "model": "m",
      "choices": [
        [
          "index": 0, "message": ["role": "assistant", "content": .string(content)],
          "finish_reason": "stop",
        ]
      ],
      "usage": ["prompt_tokens": 300, "completion_tokens": 40, "total_tokens": 340],
    ]
  }
}
