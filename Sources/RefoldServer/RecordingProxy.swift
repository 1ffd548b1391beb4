import FlyingFox
import Foundation
import RefoldCore
import RefoldModels
import RefoldShared

/// An OpenAI- and Anthropic-compatible HTTP proxy that records every exchange.
///
/// Each `POST /v1/chat/completions` (or `/chat/completions`) and `POST /v1/messages` (or
/// `/messages`) is forwarded to the upstream base URL (`{upstream}/chat/completions`,
/// `{upstream}/messages`) with the client's headers, and the upstream answer goes back
/// unchanged: status, body and headers (hop-by-hop ones removed). A successful answer is
/// recorded in the cassette under the request's canonical key (as replay computes it) with
/// its latency and usage. Every `GET` (`/v1/models`, …) is forwarded the same way and
/// recorded nowhere. The proxy's own errors on the Anthropic routes use Anthropic's error
/// shape; an upstream that does not answer within the timeout is a 504 naming both.
///
/// A request tied to a thread — the `X-Refold-Thread` header, else `metadata.refold_thread`
/// in the body (removed before forwarding) — also gets the decoded intent appended to that
/// thread as a decision event, with `meta.exchange_key`; an answer that is not a valid intent
/// appends an `error` event instead. `POST /refold/threads/{id}/events` appends the agent's
/// other events (inputs, tool results), so one address records the whole thread.
///
/// Streaming requests (`"stream": true`) are refused with a 400: a streamed answer is not
/// recorded. Credentials are forwarded and never written.
///
/// ```swift
/// let proxy = try RecordingProxy(
///   upstream: "https://api.openai.com/v1", events: store, cassette: cassettes)
/// let running = try await proxy.start(listen: .loopbackDefault)
/// ```
public final class RecordingProxy: Sendable {
  public let events: any EventStore
  public let cassette: any CassetteStore
  let forwarder: UpstreamForwarder
  let decoder: ProxyIntentDecoder
  let clock: @Sendable () -> String
  /// Serialises cassette writes, so concurrent identical requests get distinct `n`.

  /// The header that ties a request to a thread.
  public static let threadHeader = "X-Refold-Thread"

  /// A proxy to `upstream` (a base URL such as `https://api.openai.com/v1`).
  ///
  /// - Parameters:
  ///   - spec: the agent spec whose intents decode the answers; without one, the intents
  ///     come from the request's tools or response format.
  ///   - timeout: seconds to wait for the upstream.
  /// - Throws: ``ServerError/invalidUpstream(_:)``.
  public init(
    upstream: String, events: any EventStore, cassette: any CassetteStore,
    spec: AgentSpec? = nil, timeout: Double = 300,
    clock: @escaping @Sendable () -> String = { AgentLoop.systemClock() ?? "" }
  ) throws(ServerError) {
    self.forwarder = try UpstreamForwarder(base: upstream, timeout: timeout)
    self.events = events
    self.cassette = cassette
    self.decoder = ProxyIntentDecoder(spec: spec)
    self.clock = clock
  }

  /// Checks an upstream base URL without building a proxy (before a store is opened).
  ///
  /// - Throws: ``ServerError/invalidUpstream(_:)`` unless it is an http(s) URL with a host.
  public static func validateUpstream(_ upstream: String) throws(ServerError) {
    _ = try UpstreamForwarder.validated(upstream)
  }

  /// Starts listening on `listen` (port 0: any free port).
  public func start(listen: ListenAddress) async throws -> RunningServer {
    let server = HTTPServer(
      address: try listen.socketAddress(), timeout: forwarder.timeout + 30,
      logger: .disabled)
    await server.appendRoute("POST /v1/chat/completions") { [self] in
      await self.forward($0, .openai)
    }
    await server.appendRoute("POST /chat/completions") { [self] in await self.forward($0, .openai) }
    await server.appendRoute("POST /v1/messages") { [self] in await self.forward($0, .anthropic) }
    await server.appendRoute("POST /messages") { [self] in await self.forward($0, .anthropic) }
    await server.appendRoute("POST /refold/threads/:thread/events") { [self] request in
      await self.appendEvents(request)
    }
    await server.appendRoute("GET /*") { [self] request in await self.forwardGet(request) }
    return try await RunningServer.start(server, requested: listen)
  }

  /// Forwards one model request and records what came back.
  func forward(_ request: HTTPRequest, _ provider: ModelSettings.Provider) async -> HTTPResponse {
    let raw: Data
    do {
      raw = try await request.bodyData
    } catch {
      return .providerError(
        .badRequest, provider: provider, type: "invalid_request_error",
        anthropicType: "invalid_request_error", message: "unreadable body")
    }
    var body = try? JSONParser.parse(bytes: [UInt8](raw))
    if body?["stream"]?.boolValue == true {
      return .providerError(
        .badRequest, provider: provider, type: "invalid_request_error",
        anthropicType: "invalid_request_error",
        message:
          "refold proxy: streaming responses are not recorded; send the request with "
          + "\"stream\": false (or without \"stream\")")
    }
    var thread = request.headers[HTTPHeader(Self.threadHeader)]
    var forwarded = raw
    if var members = body?.objectValue, var metadata = members["metadata"]?.objectValue,
      let named = metadata.removeValue(forKey: "refold_thread")
    {
      if thread == nil { thread = named.stringValue }
      if metadata.isEmpty {
        members["metadata"] = nil
      } else {
        members["metadata"] = .object(metadata)
      }
      body = .object(members)
      forwarded = Data(JSONValue.object(members).canonicalString.utf8)
    }
    if let name = thread, name.isEmpty { thread = nil }
    let headers = request.headers.map { ($0.key.rawValue, $0.value) }
    let path = provider == .openai ? "/chat/completions" : "/messages"
    let answer: UpstreamForwarder.Answer
    do {
      answer = try await forwarder.post(path: path, body: forwarded, headers: headers)
    } catch {
      return upstreamFailure(error, path: path, provider: provider)
    }
    var headersOut = Self.passedHeaders(answer)
    if let body, (200..<300).contains(answer.status),
      let response = try? JSONParser.parse(bytes: [UInt8](answer.body)),
      response.objectValue != nil
    {
      let key = record(
        body, response: response, provider: provider, thread: thread, answer: answer)
      if let key { headersOut[HTTPHeader("X-Refold-Exchange")] = key }
    }
    return HTTPResponse(
      statusCode: .code(answer.status), headers: headersOut, body: answer.body)
  }

  /// `GET` anything (`/v1/models`, `/v1/models/{id}`, …): forwarded to the upstream
  /// (`/v1` dropped, as the upstream base ends with it) with its query, recorded nowhere.
  func forwardGet(_ request: HTTPRequest) async -> HTTPResponse {
    var path = request.path
    if path == "/v1" || path.hasPrefix("/v1/") { path.removeFirst(3) }
    if !request.query.isEmpty {
      var components = URLComponents()
      components.queryItems = request.query.map { URLQueryItem(name: $0.name, value: $0.value) }
      path += "?" + (components.percentEncodedQuery ?? "")
    }
    let provider: ModelSettings.Provider =
      request.headers[HTTPHeader("anthropic-version")] != nil ? .anthropic : .openai
    let headers = request.headers.map { ($0.key.rawValue, $0.value) }
    do {
      let answer = try await forwarder.send(
        method: "GET", path: path, body: nil, headers: headers)
      return HTTPResponse(
        statusCode: .code(answer.status), headers: Self.passedHeaders(answer),
        body: answer.body)
    } catch {
      return upstreamFailure(error, path: path, provider: provider)
    }
  }

  /// The upstream's headers as they came (hop-by-hop ones already removed).
  static func passedHeaders(_ answer: UpstreamForwarder.Answer) -> HTTPHeaders {
    var headers = HTTPHeaders()
    for (name, value) in answer.headers { headers[HTTPHeader(name)] = value }
    if headers[.contentType] == nil {
      headers[.contentType] = answer.contentType ?? "application/json"
    }
    return headers
  }

  /// The answer for an upstream that timed out (504) or could not be reached (502), in
  /// `provider`'s error shape.
  func upstreamFailure(_ error: any Error, path: String, provider: ModelSettings.Provider)
    -> HTTPResponse
  {
    let upstream = forwarder.base + path
    if let error = error as? URLError, error.code == .timedOut {
      return .providerError(
        .gatewayTimeout, provider: provider, type: "upstream_timeout",
        anthropicType: "timeout_error",
        message: "refold proxy: the upstream \(upstream) did not answer within "
          + "\(Self.seconds(forwarder.timeout)) s (the proxy's --timeout).")
    }
    let reason = (error as? URLError).map { Self.sentence(for: $0.code) } ?? "\(error)"
    return .providerError(
      .badGateway, provider: provider, type: "upstream_unreachable", anthropicType: "api_error",
      message: "refold proxy: the upstream \(upstream) could not be reached: \(reason).")
  }

  /// `300` for whole seconds, else `0.5`.
  static func seconds(_ value: Double) -> String {
    value == value.rounded() && abs(value) < 1e12 ? String(Int64(value)) : String(value)
  }

  /// A transport failure in words, without Foundation's error codes.
  static func sentence(for code: URLError.Code) -> String {
    switch code {
    case .cannotConnectToHost: "it refused the connection"
    case .cannotFindHost, .dnsLookupFailed: "its host name does not resolve"
    case .networkConnectionLost: "it closed the connection before answering"
    case .secureConnectionFailed, .serverCertificateUntrusted: "the TLS handshake failed"
    default: "the connection failed"
    }
  }

  /// Records the exchange and the thread's decision; returns the cassette key.
  private func record(
    _ request: JSONValue, response: JSONValue, provider: ModelSettings.Provider,
    thread: String?, answer: UpstreamForwarder.Answer
  ) -> String? {
    let key = CassetteKey.key(for: request)
    let usage = Self.usage(response, provider)
    var meta: [String: JSONValue] = [
      "status": .int(Int64(answer.status)), "recorded_by": "proxy",
    ]
    if let model = response["model"]?.stringValue { meta["endpoint_model"] = .string(model) }
    let exchange = Exchange(
      key: key, n: 0, provider: provider.rawValue,
      request: CassetteKey.canonicalRequest(request), response: response,
      latencyMilliseconds: answer.latencyMilliseconds, usage: usage, recordedAt: clock(),
      thread: thread, meta: .object(meta))
    guard let occurrence = (try? cassette.append(exchange))?.n else { return nil }
    if let thread {
      let outcome = decoder.decode(request: request, response: response)
      let eventMeta: JSONValue = [
        "exchange_key": .string(key), "exchange_n": .int(Int64(occurrence)),
      ]
      let line: EventLine
      switch outcome {
      case .intent(let intent):
        line = EventLine(
          thread: thread, type: intent.name, data: intent.parameters, at: clock(),
          meta: eventMeta)
      case .failure(let message):
        line = EventLine(
          thread: thread, type: "error", data: ["message": .string(message)], at: clock(),
          meta: eventMeta)
      }
      _ = try? events.append([line])
    }
    return key
  }

  /// `POST /refold/threads/{id}/events`: appends the agent's own events to a thread.
  ///
  /// The body is one event object or an array of them, each with `type` and `data` (and
  /// optionally `id`, `at`, `meta`); `thread` and `seq` come from the path and the store.
  func appendEvents(_ request: HTTPRequest) async -> HTTPResponse {
    guard let thread = request.routeParameters["thread"], !thread.isEmpty else {
      return .jsonError(.badRequest, type: "invalid_request", message: "no thread in the path")
    }
    do {
      let body = try JSONParser.parse(bytes: [UInt8](try await request.bodyData))
      let lines = try EventInput.lines(from: body, thread: thread, clock: clock)
      let written = try events.append(lines).written
      return .json([
        "thread": .string(thread), "written": .int(Int64(written.count)),
        "next_seq": .int(Int64((written.last?.seq ?? -1) + 1)),
      ])
    } catch {
      return .jsonError(.badRequest, type: "invalid_request", message: "\(error)")
    }
  }

  static func usage(_ response: JSONValue, _ provider: ModelSettings.Provider) -> TokenUsage? {
    guard let usage = response["usage"] else { return nil }
    let input = usage["prompt_tokens"]?.intValue ?? usage["input_tokens"]?.intValue
    let output = usage["completion_tokens"]?.intValue ?? usage["output_tokens"]?.intValue
    guard let input, let output else { return nil }
    return TokenUsage(inputTokens: input, outputTokens: output)
  }

  /// Closes the upstream session.
  public func close() { forwarder.invalidate() }
}
