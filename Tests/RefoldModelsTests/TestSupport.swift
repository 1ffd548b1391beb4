import FlyingFox
import Foundation
import RefoldCore
import RefoldTestSupport
import Synchronization

@testable import RefoldModels

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// FlyingFox has a `JSONValue` of its own; in these tests the name means Refold's.
typealias JSONValue = RefoldCore.JSONValue

/// Paths and specs shared by the model tests.
enum Support {
  /// The package root.
  static var packageRoot: String { Repository.root }

  static var deploybotPath: String { packageRoot + "/evals/deploybot/agent.yaml" }

  /// The deploy-bot spec from the repository, with a fixed environment.
  static func deploybot(environment: [String: String] = [:]) throws -> AgentSpec {
    try AgentSpecLoader(environment: environment).load(path: deploybotPath)
  }

  /// A fresh temporary directory.
  static func temporaryDirectory() throws -> String {
    let path = NSTemporaryDirectory() + "refold-models-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
  }

  /// The start of a deploy-bot thread, up to a decision point after the tag list.
  static let deployThread: [Event] = [
    Event(
      thread: "deploy-001", seq: 0, type: "slack_message",
      data: ["from": "@alex", "channel": "#deploys", "text": "ship latest backend to prod"]),
    Event(thread: "deploy-001", seq: 1, type: "list_git_tags"),
    Event(
      thread: "deploy-001", seq: 2, type: "list_git_tags_result",
      data: ["tags": ["v1.4.2", "v1.4.1", "v1.3.0"]]),
  ]
}

/// A FlyingFox server on 127.0.0.1 with a scripted handler, for client tests.
final class ScriptedServer: Sendable {
  let server: HTTPServer
  let task: Task<Void, any Error>
  let port: UInt16
  private let log = RequestLog()

  /// Starts a server whose every request on `route` is answered by `respond(attempt, request)`
  /// (attempt counts from 1).
  init(
    route: String,
    respond: @escaping @Sendable (Int, HTTPRequest, Data) async throws -> HTTPResponse
  ) async throws {
    let server = HTTPServer(
      address: try .inet(ip4: "127.0.0.1", port: 0), timeout: 30, logger: .disabled)
    self.server = server
    let log = self.log
    await server.appendRoute(HTTPRoute(stringLiteral: route)) { request in
      let body = try await request.bodyData
      let attempt = log.entries.withLock { entries in
        entries.append(request)
        return entries.count
      }
      return try await respond(attempt, request, body)
    }
    task = Task { try await server.run() }
    try await server.waitUntilListening(timeout: 60)
    guard case .ip4(_, let port) = await server.listeningAddress else {
      throw URLError(.cannotConnectToHost)
    }
    self.port = port
  }

  var baseURL: String { "http://127.0.0.1:\(port)/v1" }

  var requests: [HTTPRequest] { log.entries.withLock { $0 } }

  func stop() async {
    await server.stop(timeout: 1)
    task.cancel()
  }

  static func json(
    _ value: JSONValue, status: HTTPStatusCode = .ok, headers: [String: String] = [:]
  )
    -> HTTPResponse
  {
    var httpHeaders = HTTPHeaders()
    httpHeaders[HTTPHeader("Content-Type")] = "application/json"
    for (name, value) in headers { httpHeaders[HTTPHeader(name)] = value }
    return HTTPResponse(
      statusCode: status, headers: httpHeaders, body: Data(value.canonicalString.utf8))
  }
}

/// The requests a scripted server received.
final class RequestLog: Sendable {
  let entries = Mutex<[HTTPRequest]>([])
}

/// Provider response bodies as the real endpoints send them.
enum Responses {
  static func openAIToolCall(name: String, arguments: String, id: String? = "call_abc123")
    -> JSONValue
  {
    var call: [String: JSONValue] = [
      "type": "function", "function": ["name": .string(name), "arguments": .string(arguments)],
    ]
    if let id { call["id"] = .string(id) }
    return [
      "id": "chatcmpl-9x", "object": "chat.completion", "created": 1_732_000_000,
      "model": "gpt-4o-mini-2024-07-18",
      "choices": [
        [
          "index": 0,
          "message": [
            "role": "assistant", "content": .null, "tool_calls": [.object(call)],
            "refusal": .null,
          ],
          "logprobs": .null, "finish_reason": "tool_calls",
        ]
      ],
      "usage": ["prompt_tokens": 412, "completion_tokens": 23, "total_tokens": 435],
      "system_fingerprint": "fp_0ba0d124f1",
    ]
  }

  static func openAIContent(_ content: String, finishReason: String = "stop") -> JSONValue {
    [
      "id": "chatcmpl-9y", "object": "chat.completion", "created": 1_732_000_000, "model": "m",
      "choices": [
        [
          "index": 0, "message": ["role": "assistant", "content": .string(content)],
          "finish_reason": .string(finishReason),
        ]
      ],
      "usage": ["prompt_tokens": 300, "completion_tokens": 40, "total_tokens": 340],
    ]
  }

  static func anthropicToolUse(name: String, input: JSONValue) -> JSONValue {
    [
      "id": "msg_01Aq9w938a90dw8q", "type": "message", "role": "assistant",
      "model": "claude-3-5-haiku-20241022",
      "content": [
        ["type": "text", "text": "I'll check the tags first."],
        [
          "type": "tool_use", "id": "toolu_01A09q90qw90lq917835lq9", "name": .string(name),
          "input": input,
        ],
      ],
      "stop_reason": "tool_use", "stop_sequence": .null,
      "usage": ["input_tokens": 512, "output_tokens": 61],
    ]
  }

  static func anthropicText(_ text: String) -> JSONValue {
    [
      "id": "msg_02", "type": "message", "role": "assistant", "model": "claude-3-5-haiku-20241022",
      "content": [["type": "text", "text": .string(text)]], "stop_reason": "end_turn",
      "usage": ["input_tokens": 200, "output_tokens": 30],
    ]
  }
}

/// A TCP port on 127.0.0.1 that is bound but not listening: connections to it are refused,
/// and no other process can take the port while this value lives.
final class RefusingPort: Sendable {
  let port: UInt16
  private let descriptor: Int32

  init() throws {
    #if canImport(Glibc)
      let socketType = Int32(SOCK_STREAM.rawValue)
    #else
      let socketType = SOCK_STREAM
    #endif
    let descriptor = socket(AF_INET, socketType, 0)
    guard descriptor >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
      pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
        bind(descriptor, socketAddress, length) == 0
          && getsockname(descriptor, socketAddress, &length) == 0
      }
    }
    guard bound else {
      let code = POSIXErrorCode(rawValue: errno) ?? .EIO
      close(descriptor)
      throw POSIXError(code)
    }
    self.descriptor = descriptor
    port = UInt16(bigEndian: address.sin_port)
  }

  deinit { close(descriptor) }
}
