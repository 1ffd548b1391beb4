import FlyingFox
import Foundation
import RefoldCore
import RefoldModels
import RefoldShared
import Synchronization

/// The OpenAI- and Anthropic-compatible endpoint an external agent's own model calls go to
/// during `refold eval`: it listens on 127.0.0.1 (any free port) from the first agent that
/// needs it until ``stop()``.
///
/// Each agent process (each request, for an HTTP agent) gets a slot,
/// `http://127.0.0.1:PORT/slots/ID`, with `POST /v1/chat/completions`, `POST /v1/messages`
/// and `GET /v1/models` below it; every call on a slot belongs to the decision in flight
/// there. The routes without a slot (`/v1/chat/completions`, …) find the decision by the
/// `X-Refold-Thread` header (or `metadata.refold_thread`, as the proxy reads it).
///
/// A request is keyed exactly as the recording proxy keys it (``CassetteKey``: the whole body
/// minus the transport fields), so a thread recorded through `refold proxy` and promoted
/// replays here. By ``kind``:
/// - `recorded`: the answer recorded for the key, identical requests of one replay in
///   recorded order (``RecordedModelSource``). A miss is answered with HTTP 500 and
///   `x-should-retry: false` (the official SDKs do not retry it) and an error body in the
///   provider's shape, and makes the decision a source error with the miss (nearest recorded
///   request, diff);
/// - `record`: the recorded answer while there is one, else the request is forwarded to the
///   upstream with the agent's own headers and a successful answer appended to the cassette;
/// - `live`: every request forwarded, nothing written.
///
/// API keys reach the upstream from the agent's own headers and are never written: a cassette
/// line holds the canonical request body only.
///
/// ```swift
/// let endpoint = ModelEndpoint(kind: .recorded)
/// let channel = try endpoint.channel(variant: "baseline", cassette: cassette, upstream: nil)
/// let decider = try ExternalAgentDecider(agent: agent, …, modelEndpoint: channel)
/// // … evaluate …
/// await endpoint.stop()
/// ```
public final class ModelEndpoint: Sendable {
  /// Where one variant's answers come from and go to.
  struct Route: Sendable {
    var variant: String
    var cassette: any CassetteStore
    var forwarder: UpstreamForwarder?
  }

  /// The decision in flight on a slot, and the calls made for it so far.
  struct InFlight: Sendable {
    var thread: String
    var step: Int
    var session: Int
    var calls = AgentModelCalls()
  }

  struct Slot: Sendable {
    var route: Route
    var call: InFlight?
  }

  struct State: Sendable {
    var slots: [String: Slot] = [:]
    var nextSlot = 0
    /// Recorded sources by replay session, for the order of identical requests.
    var sessions: [Int: RecordedModelSource] = [:]
    /// Occurrences asked per key, by replay session (`record`).
    var counters: [Int: [String: Int]] = [:]
    var server: Task<RunningServer, any Error>?
    var stopped = false
  }

  public let kind: ModelSourceKind
  /// The upstream base URL that `--base-url` gives, over an agent's `upstream:`.
  public let upstream: String?
  /// Seconds to wait for the upstream.
  public let timeout: Double
  let dependencies: Dependencies
  private let state = Mutex(State())

  /// The API keys a command agent gets with `--model recorded` when its environment has
  /// none: the official SDKs refuse to start without one, and a replay needs no key.
  public static let placeholderKeys = [
    "OPENAI_API_KEY": "refold-recorded-no-key", "ANTHROPIC_API_KEY": "refold-recorded-no-key",
  ]

  /// The header that ties a call on the routes without a slot to a thread.
  public static let threadHeader = RecordingProxy.threadHeader

  public init(
    kind: ModelSourceKind, upstream: String? = nil, timeout: Double = 300,
    dependencies: Dependencies = .live
  ) {
    self.kind = kind
    self.upstream = upstream
    self.timeout = timeout
    self.dependencies = dependencies
  }

  /// The endpoint of one variant's agent: answers from and records into `cassette`,
  /// forwards to ``upstream``, else to `upstream` (the agent's `upstream:`).
  ///
  /// - Throws: ``ServerError/invalidUpstream(_:)`` for a base URL that is not http(s).
  public func channel(variant: String, cassette: any CassetteStore, upstream agentUpstream: String?)
    throws(ServerError) -> any AgentModelEndpoint
  {
    let base = upstream ?? agentUpstream
    let forwarder = try base.map { base throws(ServerError) in
      try UpstreamForwarder(base: base, timeout: timeout, dependencies: dependencies)
    }
    return Channel(
      endpoint: self, route: Route(variant: variant, cassette: cassette, forwarder: forwarder))
  }

  /// `http://127.0.0.1:PORT` once listening.
  public func baseURL() async throws -> String { try await running().baseURL }

  /// Stops listening (nothing is in flight once the evaluation returned).
  public func stop() async {
    let server = state.withLock { state in
      state.stopped = true
      return state.server
    }
    if let running = try? await server?.value { await running.stop(timeout: 0) }
  }

  /// The running server, started by the first caller.
  private func running() async throws -> RunningServer {
    let task = state.withLock { state -> Task<RunningServer, any Error> in
      if let server = state.server { return server }
      let task = Task { try await self.start() }
      state.server = task
      return task
    }
    return try await task.value
  }

  private func start() async throws -> RunningServer {
    let listen = ListenAddress(host: "127.0.0.1", port: 0)
    let server = HTTPServer(
      address: try listen.socketAddress(), timeout: timeout + 30, logger: .disabled)
    for (path, provider) in [
      ("/v1/chat/completions", ModelSettings.Provider.openai), ("/v1/messages", .anthropic),
    ] {
      await server.appendRoute(HTTPRoute("POST /slots/:slot\(path)")) { [self] request in
        await self.answer(request, provider, slot: request.routeParameters["slot"])
      }
      await server.appendRoute(HTTPRoute("POST \(path)")) { [self] request in
        await self.answer(request, provider, slot: nil)
      }
    }
    await server.appendRoute("GET /slots/:slot/v1/models") { [self] request in
      await self.models(request, slot: request.routeParameters["slot"])
    }
    await server.appendRoute("GET /v1/models") { [self] request in
      await self.models(request, slot: nil)
    }
    return try await RunningServer.start(server, requested: listen)
  }

  // MARK: Slots

  func openSlot(_ route: Route) async throws -> AgentModelSlot {
    let base = try await running().baseURL
    let id = state.withLock { state -> String in
      state.nextSlot += 1
      let id = String(state.nextSlot)
      state.slots[id] = Slot(route: route)
      return id
    }
    return AgentModelSlot(
      id: id, url: "\(base)/slots/\(id)",
      defaults: kind == .recorded ? Self.placeholderKeys : [:])
  }

  func begin(slot: String, thread: String, step: Int, session: Int) {
    state.withLock { state in
      state.slots[slot]?.call = InFlight(thread: thread, step: step, session: session)
    }
  }

  func finish(slot: String) -> AgentModelCalls {
    state.withLock { state in
      defer { state.slots[slot]?.call = nil }
      return state.slots[slot]?.call?.calls ?? AgentModelCalls()
    }
  }

  func closeSlot(_ slot: String) {
    _ = state.withLock { $0.slots.removeValue(forKey: slot) }
  }

  /// The slot a call belongs to: the one in its path, else the one whose decision in flight
  /// is on `thread`.
  private func slot(named id: String?, thread: String?) -> (id: String, slot: Slot)? {
    state.withLock { state in
      if let id { return state.slots[id].map { (id, $0) } }
      guard let thread else { return nil }
      return state.slots.first { $0.value.call?.thread == thread }.map { ($0.key, $0.value) }
    }
  }

  /// Adds one call to the decision in flight on `slot`.
  private func note(
    _ call: JSONValue, on slot: String, usage: TokenUsage? = nil,
    failure: ModelSourceError? = nil
  ) {
    state.withLock { state in
      guard var inFlight = state.slots[slot]?.call else { return }
      inFlight.calls.exchanges.append(call)
      if inFlight.calls.failure == nil { inFlight.calls.failure = failure }
      if let usage {
        let sum = inFlight.calls.usage ?? TokenUsage(inputTokens: 0, outputTokens: 0)
        inFlight.calls.usage = TokenUsage(
          inputTokens: sum.inputTokens + usage.inputTokens,
          outputTokens: sum.outputTokens + usage.outputTokens)
      }
      state.slots[slot]?.call = inFlight
    }
  }

  // MARK: Answers

  /// One model call: answered from the cassette, or forwarded (and recorded).
  func answer(_ request: HTTPRequest, _ provider: ModelSettings.Provider, slot id: String?) async
    -> HTTPResponse
  {
    let raw: Data
    do {
      raw = try await request.bodyData
    } catch {
      return Self.refusal(.badRequest, provider, "refold eval: the request body is unreadable")
    }
    guard var body = try? JSONParser.parse(bytes: [UInt8](raw)), var members = body.objectValue
    else {
      return Self.refusal(
        .badRequest, provider, "refold eval: the request body is not a JSON object")
    }
    var thread = request.headers[HTTPHeader(Self.threadHeader)]
    var forwarded = raw
    if var metadata = members["metadata"]?.objectValue,
      let named = metadata.removeValue(forKey: "refold_thread")
    {
      if thread == nil { thread = named.stringValue }
      members["metadata"] = metadata.isEmpty ? nil : .object(metadata)
      body = .object(members)
      forwarded = Data(body.canonicalString.utf8)
    }
    guard let (slotID, slot) = self.slot(named: id, thread: thread), let call = slot.call else {
      let which = id.map { "slot \($0)" } ?? thread.map { "thread \"\($0)\"" }
      return Self.refusal(
        .code(500), provider,
        "refold eval: no decision is in flight on \(which ?? "this endpoint") "
          + "(call the model while answering a next-step request; on the routes without a "
          + "slot, name the thread in the \(Self.threadHeader) header)")
    }
    if body["stream"]?.boolValue == true {
      return Self.refusal(
        .badRequest, provider,
        "refold eval: streamed answers are not replayed; send the request with "
          + "\"stream\": false (or without \"stream\")")
    }
    let modelRequest = ModelRequest(provider: provider, body: body, thread: call.thread)
    var entry: [String: JSONValue] = [
      "provider": .string(provider.rawValue), "key": .string(modelRequest.key),
      "request": CassetteKey.canonicalRequest(body),
    ]
    switch kind {
    case .recorded:
      let source = state.withLock { state in
        if let source = state.sessions[call.session] { return source }
        let source = RecordedModelSource(cassette: slot.route.cassette)
        state.sessions[call.session] = source
        return source
      }
      do {
        let response = try await source.respond(to: modelRequest)
        return replayed(response, provider: provider, entry: entry, on: slotID)
      } catch {
        return failed(error, entry: entry, provider: provider, on: slotID, status: 500)
      }
    case .record:
      let n = state.withLock { $0.counters[call.session]?[modelRequest.key] ?? 0 }
      let recorded = (try? slot.route.cassette.exchanges(forKey: modelRequest.key))?.filter {
        $0.meta?["delivered"] != .bool(false)
      }
      if let recorded, n < recorded.count {
        count(modelRequest.key, in: call.session)
        let response = ModelResponse(replaying: recorded[n])
        return replayed(response, provider: provider, entry: entry, on: slotID)
      }
      return await forward(
        forwarded, request: request, modelRequest: modelRequest, entry: entry, slot: slot,
        slotID: slotID, session: call.session, records: true)
    case .live:
      return await forward(
        forwarded, request: request, modelRequest: modelRequest, entry: entry, slot: slot,
        slotID: slotID, session: call.session, records: false)
    }
  }

  private func count(_ key: String, in session: Int) {
    state.withLock { $0.counters[session, default: [:]][key, default: 0] += 1 }
  }

  /// A recorded answer, as the provider gave it.
  private func replayed(
    _ response: ModelResponse, provider: ModelSettings.Provider, entry: [String: JSONValue],
    on slot: String
  ) -> HTTPResponse {
    var entry = entry
    entry["n"] = .int(Int64(response.n))
    entry["status"] = 200
    entry["response"] = response.body
    entry["replayed"] = true
    note(
      .object(entry), on: slot,
      usage: response.usage ?? RecordingProxy.usage(response.body, provider))
    var headers: HTTPHeaders = [.contentType: "application/json"]
    headers[HTTPHeader("X-Refold-Exchange")] = response.key
    return HTTPResponse(
      statusCode: .ok, headers: headers, body: Data(response.body.canonicalString.utf8))
  }

  /// A call the endpoint could not answer: noted as the decision's failure, answered with an
  /// error the SDKs do not retry.
  private func failed(
    _ error: any Error, entry: [String: JSONValue], provider: ModelSettings.Provider,
    on slot: String, status: Int
  ) -> HTTPResponse {
    let failure =
      error as? ModelSourceError
      ?? .cassette(path: "the cassette", line: nil, reason: SystemReason.of(error))
    var entry = entry
    entry["status"] = .int(Int64(status))
    entry["error"] = .string(failure.description)
    note(.object(entry), on: slot, failure: failure)
    return Self.refusal(.code(status), provider, "refold eval: \(failure.description)")
  }

  /// Forwards a call to the upstream with the agent's headers; `records`: appends a
  /// successful answer to the cassette.
  private func forward(
    _ forwarded: Data, request: HTTPRequest, modelRequest: ModelRequest,
    entry: [String: JSONValue], slot: Slot, slotID: String, session: Int, records: Bool
  ) async -> HTTPResponse {
    let provider = modelRequest.provider
    let path = provider == .openai ? "/chat/completions" : "/messages"
    guard let forwarder = slot.route.forwarder else {
      let error = ModelSourceError.unreachable(
        url: path, reason: "no upstream is named: give --base-url, or upstream: in the agent",
        attempts: 0)
      return failed(error, entry: entry, provider: provider, on: slotID, status: 502)
    }
    let headers = request.headers.map { ($0.key.rawValue, $0.value) }
    let answer: UpstreamForwarder.Answer
    do {
      answer = try await forwarder.post(path: path, body: forwarded, headers: headers)
    } catch {
      let url = forwarder.base + path
      let failure: ModelSourceError =
        (error as? URLError)?.code == .timedOut
        ? .timeout(url: url, seconds: forwarder.timeout, attempts: 1)
        : .unreachable(
          url: url,
          reason: (error as? URLError).map { RecordingProxy.sentence(for: $0.code) }
            ?? SystemReason.of(error), attempts: 1)
      return failed(
        failure, entry: entry, provider: provider, on: slotID,
        status: failure.description.contains("did not answer") ? 504 : 502)
    }
    var entry = entry
    entry["status"] = .int(Int64(answer.status))
    let response = try? JSONParser.parse(bytes: [UInt8](answer.body))
    if let response { entry["response"] = response }
    var usage: TokenUsage?
    if (200..<300).contains(answer.status), let response, response.objectValue != nil {
      usage = RecordingProxy.usage(response, provider)
      if records {
        var meta: [String: JSONValue] = [
          "status": .int(Int64(answer.status)), "recorded_by": "eval",
        ]
        if let model = response["model"]?.stringValue { meta["endpoint_model"] = .string(model) }
        let exchange = Exchange(
          key: modelRequest.key, n: 0, provider: provider.rawValue,
          request: CassetteKey.canonicalRequest(modelRequest.body), response: response,
          latencyMilliseconds: answer.latencyMilliseconds, usage: usage,
          recordedAt: dependencies.timestamp(), thread: modelRequest.thread,
          meta: .object(meta))
        do {
          let stored = try slot.route.cassette.append(exchange)
          entry["n"] = .int(Int64(stored.n))
          count(modelRequest.key, in: session)
        } catch {
          let failure =
            error as? ModelSourceError
            ?? .cassetteUnwritable(path: "\(slot.route.cassette)", reason: SystemReason.of(error))
          return failed(failure, entry: entry, provider: provider, on: slotID, status: 500)
        }
      }
    }
    note(.object(entry), on: slotID, usage: usage)
    var headersOut = RecordingProxy.passedHeaders(answer)
    headersOut[HTTPHeader("X-Refold-Exchange")] = modelRequest.key
    return HTTPResponse(statusCode: .code(answer.status), headers: headersOut, body: answer.body)
  }

  /// `GET /v1/models`: forwarded in `live` and `record`; in `recorded`, the models the
  /// variant's cassette holds requests for.
  func models(_ request: HTTPRequest, slot id: String?) async -> HTTPResponse {
    let thread = request.headers[HTTPHeader(Self.threadHeader)]
    let route =
      slot(named: id, thread: thread)?.slot.route
      ?? state.withLock { $0.slots.values.first?.route }
    guard let route else { return .json(["object": "list", "data": []]) }
    if kind != .recorded, let forwarder = route.forwarder {
      let headers = request.headers.map { ($0.key.rawValue, $0.value) }
      if let answer = try? await forwarder.send(
        method: "GET", path: "/models", body: nil, headers: headers)
      {
        return HTTPResponse(
          statusCode: .code(answer.status), headers: RecordingProxy.passedHeaders(answer),
          body: answer.body)
      }
    }
    let names = Set(
      ((try? route.cassette.allExchanges()) ?? []).compactMap { $0.request["model"]?.stringValue })
    let data = names.sorted().map { name -> JSONValue in
      ["id": .string(name), "object": "model", "created": 0, "owned_by": "refold"]
    }
    return .json(["object": "list", "data": .array(data)])
  }

  /// An error in `provider`'s shape that the official SDKs do not retry
  /// (`x-should-retry: false`).
  static func refusal(
    _ status: HTTPStatusCode, _ provider: ModelSettings.Provider, _ message: String
  )
    -> HTTPResponse
  {
    var response = HTTPResponse.providerError(
      status, provider: provider, type: "refold_endpoint_error", anthropicType: "api_error",
      message: message)
    response.headers[HTTPHeader("x-should-retry")] = "false"
    return response
  }
}
