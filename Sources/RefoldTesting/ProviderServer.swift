import FlyingFox
import Foundation
import RefoldCore
import Synchronization

/// A model provider on 127.0.0.1, for tests: it speaks the OpenAI Chat Completions and
/// Anthropic Messages wire formats with scripted answers, and records what it received.
///
/// It listens on an ephemeral port chosen by the system, so tests never race for a free
/// one. Point a client, an agent spec (`model.base_url`) or `refold eval --base-url` at
/// ``baseURL``.
///
/// ```swift
/// let server = try await ProviderServer { attempt, request in
///   .json(ProviderResponses.openAIToolCall(name: "list_git_tags", arguments: "{}"))
/// }
/// defer { Task { await server.stop() } }
/// // … ask the model at server.baseURL …
/// #expect(server.received.first?.path == "/v1/chat/completions")
/// ```
public final class ProviderServer: Sendable {
  /// Answers the `attempt`-th request (from 1).
  public typealias Respond =
    @Sendable (_ attempt: Int, _ request: ProviderRequest) async throws -> ProviderResponse

  /// The routes of both wire formats.
  public static let providerRoutes = ["POST /v1/chat/completions", "POST /v1/messages"]

  private let server: HTTPServer
  private let task: Task<Void, any Error>
  /// The port it listens on.
  public let port: UInt16
  private let log: ReceivedRequests

  /// Starts a server answering every request on `routes` with `respond`.
  ///
  /// Other routes are answered 404 and not recorded.
  ///
  /// - Throws: when the server cannot listen on 127.0.0.1.
  public init(routes: [String] = ProviderServer.providerRoutes, respond: @escaping Respond)
    async throws
  {
    let server = HTTPServer(
      address: try .inet(ip4: "127.0.0.1", port: 0), timeout: 30, logger: .disabled)
    let log = ReceivedRequests()
    for route in routes {
      await server.appendRoute(HTTPRoute(stringLiteral: route)) { [log] request in
        let body = try await request.bodyData
        var headers: [String: String] = [:]
        for (name, value) in request.headers { headers[name.rawValue.lowercased()] = value }
        let received = ProviderRequest(
          method: request.method.rawValue, path: request.path, headers: headers, body: body)
        let attempt = log.entries.withLock { entries in
          entries.append(received)
          return entries.count
        }
        let response = try await respond(attempt, received)
        var responseHeaders = HTTPHeaders()
        for (name, value) in response.headers { responseHeaders[HTTPHeader(name)] = value }
        return HTTPResponse(
          statusCode: HTTPStatusCode(response.status, phrase: response.phrase),
          headers: responseHeaders, body: response.body)
      }
    }
    let task = Task { try await server.run() }
    try await server.waitUntilListening(timeout: 60)
    guard case .ip4(_, let port) = await server.listeningAddress else {
      task.cancel()
      throw RefoldTestingError.serverNotListening
    }
    self.server = server
    self.task = task
    self.port = port
    self.log = log
  }

  /// A server answering the n-th request with `answers[n]` (as JSON, status 200), and the
  /// last one again once they run out.
  public convenience init(answers: [RefoldCore.JSONValue]) async throws {
    try await self.init { attempt, _ in
      .json(answers[min(attempt, answers.count) - 1])
    }
  }

  /// The base URL of the provider API: `http://127.0.0.1:PORT/v1`.
  public var baseURL: String { "http://127.0.0.1:\(port)/v1" }

  /// The requests it received, in order.
  public var received: [ProviderRequest] { log.entries.withLock { $0 } }

  /// Stops listening and closes every connection at once: a test server has no request in
  /// flight worth waiting for, and an idle keep-alive connection would hold the stop for its
  /// whole grace period.
  public func stop() async {
    await server.stop(timeout: 0)
    task.cancel()
  }
}
