import FlyingFox
import Foundation
import RefoldCore
import RefoldModels
import RefoldShared
import Synchronization

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
/// in the body (removed before forwarding) — also records the thread from the wire: what the
/// request's messages add since the thread's last exchange (inputs, tool results; see
/// ``ProxyConversation``), then the decoded intent as a decision event with
/// `meta.exchange_key`, `meta.exchange_n` and the model's `meta.tool_call_id`. A final text
/// answer (no tool call) is the terminal intent (`done_for_now`, or `finalIntent`, with
/// `data.message`); another answer that is not a valid intent appends an `error` event.
///
/// Only what the client received is a decision: the exchange and the decision are written
/// once the answer was handed to the client's connection. An answer the client abandoned
/// (it timed out and closed the connection) is kept in the cassette with
/// `meta.delivered: false`, and no decision is appended; replay skips it.
/// `POST /refold/threads/{id}/events` appends other events the agent has; an event with an
/// `id` posted again with the same content is answered as the first time.
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
  let conversation: ProxyConversation
  /// The intent a final text answer becomes.
  public let finalIntent: String
  /// Answers whose delivery is not settled yet.
  private let unsettled = Mutex(0)

  /// The header that ties a request to a thread.
  public static let threadHeader = "X-Refold-Thread"

  /// A proxy to `upstream` (a base URL such as `https://api.openai.com/v1`).
  ///
  /// - Parameters:
  ///   - spec: the agent spec whose intents decode the answers; without one, the intents
  ///     come from the request's tools or response format.
  ///   - timeout: seconds to wait for the upstream.
  ///   - finalIntent: the intent a final text answer becomes.
  ///   - inputType: the event type of user and system text.
  ///   - dependencies: the transport the upstream is called through, the clock its timeout
  ///     runs on and the wall time recorded events and exchanges are stamped with.
  /// - Throws: ``ServerError/invalidUpstream(_:)``.
  public init(
    upstream: String, events: any EventStore, cassette: any CassetteStore,
    spec: AgentSpec? = nil, timeout: Double = 300, finalIntent: String = "done_for_now",
    inputType: String = "user_input", dependencies: Dependencies = .live
  ) throws(ServerError) {
    self.forwarder = try UpstreamForwarder(
      base: upstream, timeout: timeout, dependencies: dependencies)
    self.events = events
    self.cassette = cassette
    self.decoder = ProxyIntentDecoder(spec: spec)
    self.clock = dependencies.timestamp
    self.finalIntent = finalIntent
    self.conversation = ProxyConversation(inputType: inputType)
  }

  /// Waits (up to `timeout` seconds) until every model request received so far is answered
  /// and its answer recorded as delivered or abandoned.
  public func waitUntilRecorded(timeout: Double = 10) async {
    let deadline = ContinuousClock.now + .seconds(timeout)
    while unsettled.withLock({ $0 }) > 0, ContinuousClock.now < deadline {
      try? await Task.sleep(for: .milliseconds(5))
    }
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
    // In flight until answered, or until the answer's delivery is recorded.
    unsettled.withLock { $0 += 1 }
    var recordsLater = false
    defer { if !recordsLater { unsettled.withLock { $0 -= 1 } } }
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
      headersOut[HTTPHeader("X-Refold-Exchange")] = CassetteKey.key(for: body)
      recordsLater = true
      let record: @Sendable (Bool) -> Void = { [self, thread] delivered in
        self.record(
          body, response: response, provider: provider, thread: thread, answer: answer,
          delivered: delivered)
        unsettled.withLock { $0 -= 1 }
      }
      return DeliveredBody.response(
        status: .code(answer.status), headers: headersOut, bytes: answer.body,
        delivered: { record(true) }, abandoned: { record(false) })
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

  /// Records the exchange, and on its thread what the request added and, when the client
  /// received the answer, the decision.
  private func record(
    _ request: JSONValue, response: JSONValue, provider: ModelSettings.Provider,
    thread: String?, answer: UpstreamForwarder.Answer, delivered: Bool
  ) {
    let key = CassetteKey.key(for: request)
    let usage = Self.usage(response, provider)
    var meta: [String: JSONValue] = [
      "status": .int(Int64(answer.status)), "recorded_by": "proxy",
      "delivered": .bool(delivered),
    ]
    if let model = response["model"]?.stringValue { meta["endpoint_model"] = .string(model) }
    let exchange = Exchange(
      key: key, n: 0, provider: provider.rawValue,
      request: CassetteKey.canonicalRequest(request), response: response,
      latencyMilliseconds: answer.latencyMilliseconds, usage: usage, recordedAt: clock(),
      thread: thread, meta: .object(meta))
    guard let occurrence = (try? cassette.append(exchange))?.n, let thread else { return }
    let known = (try? events.events(in: thread)) ?? []
    let at = clock()
    var lines = conversation.newEvents(
      request: request, provider: provider, thread: thread, events: known, at: at)
    if delivered {
      var eventMeta: [String: JSONValue] = [
        "exchange_key": .string(key), "exchange_n": .int(Int64(occurrence)),
        "wire_index": .int(Int64(ProxyConversation.answerIndex(request))),
      ]
      if let id = ProxyConversation.toolCallID(response) { eventMeta["tool_call_id"] = .string(id) }
      switch decoder.decode(request: request, response: response) {
      case .intent(let intent):
        lines.append(
          EventLine(
            thread: thread, type: intent.name, data: intent.parameters, at: at,
            meta: .object(eventMeta)))
      case .failure(let message):
        if let text = ProxyConversation.finalText(response) {
          lines.append(
            EventLine(
              thread: thread, type: finalIntent, data: ["message": .string(text)], at: at,
              meta: .object(eventMeta)))
        } else {
          lines.append(
            EventLine(
              thread: thread, type: "error", data: ["message": .string(message)], at: at,
              meta: .object(eventMeta)))
        }
      }
    }
    if !lines.isEmpty { _ = try? events.append(lines) }
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
      var lines = try EventInput.lines(from: body, thread: thread, clock: clock)
      // An event posted again with its id: the stored one's time, so that the content is
      // the same and the store skips it.
      let stored = Dictionary(
        (try events.events(in: thread)).compactMap { event in event.id.map { ($0, event) } },
        uniquingKeysWith: { first, _ in first })
      let explicitTimes = Self.explicitTimes(body)
      for index in lines.indices {
        if let id = lines[index].id, let earlier = stored[id], !explicitTimes.contains(index) {
          lines[index].at = earlier.at
        }
      }
      let result = try events.append(lines)
      // The answer the first post got: every posted event, written now or before.
      let after = try events.events(in: thread)
      var seqs = result.written.map(\.seq)
      for line in lines where line.id != nil {
        if let event = after.first(where: { $0.id == line.id }) { seqs.append(event.seq) }
      }
      let posted = Set(seqs)
      return .json([
        "thread": .string(thread), "written": .int(Int64(posted.count)),
        "next_seq": .int(Int64((posted.max() ?? -1) + 1)),
      ])
    } catch let error as EventStoreError {
      return .jsonError(.conflict, type: "conflict", message: error.description)
    } catch {
      return .jsonError(.badRequest, type: "invalid_request", message: "\(error)")
    }
  }

  /// The positions of the posted events that give their own `at`.
  static func explicitTimes(_ body: JSONValue) -> Set<Int> {
    let items = body.arrayValue ?? [body]
    return Set(items.indices.filter { items[$0]["at"] != nil })
  }

  static func usage(_ response: JSONValue, _ provider: ModelSettings.Provider) -> TokenUsage? {
    guard let usage = response["usage"] else { return nil }
    let input = usage["prompt_tokens"]?.intValue ?? usage["input_tokens"]?.intValue
    let output = usage["completion_tokens"]?.intValue ?? usage["output_tokens"]?.intValue
    guard let input, let output else { return nil }
    return TokenUsage(inputTokens: input, outputTokens: output)
  }
}
