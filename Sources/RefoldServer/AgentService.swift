import FlyingFox
import Foundation
import RefoldCore
import RefoldShared
import Synchronization

/// Runs an agent spec live as an HTTP service: launch threads, read them, answer them.
///
/// - `POST /threads` — body: the trigger, as one event `{type, data}`, an array of them, or
///   `{"thread": "id", "events": [...]}`; the thread (new id when none is given) advances
///   until it pauses. `201`.
/// - `GET /threads/{id}` — its events and state, and what it waits for.
/// - `POST /threads/{id}/events` — an input event (`approval`, `human_response`, or another
///   input type) from a person or a webhook; the thread advances again.
/// - `POST /threads/{id}/advance` — advances again without a new event (after the model
///   source or a tool runner failed).
/// - `GET /threads` — every thread with its status.
///
/// Every answer about a thread says its status, the events this call appended, and, when it
/// pauses, `waiting_for`: the event it expects, the pending intent, the URL to post to and an
/// example body.
///
/// With a webhook secret every `POST` must carry
/// `X-Refold-Signature: t=<unix seconds>,v1=<hex>`, the HMAC-SHA256 of
/// `"<t>.<METHOD>.<path>.<body>"` (see ``WebhookSignature``); a missing, wrong, expired or
/// replayed signature, or one made for another path, is `401` and changes nothing.
///
/// Threads live in the event store only: a new service on the same store continues them.
public final class AgentService: Sendable {
  public let loop: AgentLoop
  public let events: any EventStore
  let signature: WebhookSignature?
  let clock: @Sendable () -> String
  /// Threads an advance is running on; a second request for one is refused with 409.
  private let busy = Mutex<Set<String>>([])

  /// A service running `loop` on `events`.
  ///
  /// - Parameters:
  ///   - webhookSecret: when set, every `POST` must be signed with it.
  ///   - signatureTolerance: seconds a signature's timestamp may be away from `now`.
  ///   - legacySignatures: accept the body-only `sha256=<hex>` form too.
  ///   - now: the time signatures are checked against.
  public init(
    loop: AgentLoop, events: any EventStore, webhookSecret: String? = nil,
    signatureTolerance: Double = WebhookSignature.defaultTolerance,
    legacySignatures: Bool = false,
    now: @escaping @Sendable () -> Date = { Date() },
    clock: @escaping @Sendable () -> String = { AgentLoop.systemClock() ?? "" }
  ) {
    self.loop = loop
    self.events = events
    self.signature = webhookSecret.map {
      WebhookSignature(
        secret: $0, tolerance: signatureTolerance, acceptsLegacy: legacySignatures, now: now)
    }
    self.clock = clock
  }

  /// Starts listening on `listen` (port 0: any free port).
  public func start(listen: ListenAddress) async throws -> RunningServer {
    let server = HTTPServer(
      address: try listen.socketAddress(), timeout: 600, logger: .disabled)
    await server.appendRoute("POST /threads") { [self] in await self.launch($0) }
    await server.appendRoute("GET /threads") { [self] _ in self.list() }
    await server.appendRoute("GET /threads/:thread") { [self] in self.show($0) }
    await server.appendRoute("POST /threads/:thread/events") { [self] in await self.post($0) }
    await server.appendRoute("POST /threads/:thread/advance") { [self] in
      await self.advanceAgain($0)
    }
    return try await RunningServer.start(server, requested: listen)
  }

  // MARK: Handlers

  func launch(_ request: HTTPRequest) async -> HTTPResponse {
    let body: Data
    switch await verifiedBody(request) {
    case .failure(let response): return response
    case .success(let data): body = data
    }
    let parsed: JSONValue
    do {
      parsed = try JSONParser.parse(bytes: [UInt8](body))
    } catch {
      return .jsonError(
        .badRequest, type: "invalid_request", message: "the body is not JSON: \(error)")
    }
    var trigger = parsed
    var thread = "thread-" + UUID().uuidString.lowercased().prefix(12)
    if let members = parsed.objectValue, members["type"] == nil {
      guard let named = members["thread"]?.stringValue ?? Optional(thread), !named.isEmpty,
        let list = members["events"]
      else {
        return .jsonError(
          .badRequest, type: "invalid_request",
          message: "expected an event {type, data}, an array of events, or {thread, events}")
      }
      thread = named
      trigger = list
    }
    guard claim(thread) else { return busyResponse(thread) }
    defer { release(thread) }
    do {
      if try !events.events(in: thread).isEmpty {
        return .jsonError(
          .conflict, type: "thread_exists",
          message: "thread \"\(thread)\" already exists; post to /threads/\(thread)/events")
      }
      let lines = try EventInput.lines(from: trigger, thread: thread, clock: clock)
      let written = try events.append(lines, to: thread, expectedNextSeq: 0)
      return await advance(thread, known: written, request: request, status: .created)
    } catch {
      return .jsonError(.badRequest, type: "invalid_request", message: "\(error)")
    }
  }

  func list() -> HTTPResponse {
    do {
      let summaries = try events.threads().map { summary -> JSONValue in
        [
          "thread": .string(summary.thread), "status": .string(summary.state.status.rawValue),
          "events": .int(Int64(summary.eventCount)), "steps": .int(Int64(summary.state.steps)),
        ]
      }
      return .json(["threads": .array(summaries)])
    } catch {
      return .jsonError(.internalServerError, type: "store_failed", message: "\(error)")
    }
  }

  func show(_ request: HTTPRequest) -> HTTPResponse {
    let thread = request.routeParameters["thread"] ?? ""
    do {
      let all = try events.events(in: thread)
      guard !all.isEmpty else {
        return .jsonError(.notFound, type: "unknown_thread", message: "no thread \"\(thread)\"")
      }
      let state = loop.reducer.fold(all)
      var answer = describe(thread, state: state, request: request)
      answer["events"] = .array(all.map(\.jsonValue))
      return .json(.object(answer))
    } catch {
      return .jsonError(.internalServerError, type: "store_failed", message: "\(error)")
    }
  }

  func post(_ request: HTTPRequest) async -> HTTPResponse {
    await withThread(request) { thread, body, known in
      let lines: [EventLine]
      do {
        lines = try EventInput.lines(
          from: try JSONParser.parse(bytes: [UInt8](body)), thread: thread, clock: clock)
      } catch {
        return .jsonError(.badRequest, type: "invalid_request", message: "\(error)")
      }
      let state = loop.reducer.fold(known)
      if let refusal = refusal(lines, state: state, thread: thread) { return refusal }
      let written = try events.append(lines, to: thread, expectedNextSeq: known.count)
      return await advance(thread, known: known + written, request: request, status: .ok)
    }
  }

  func advanceAgain(_ request: HTTPRequest) async -> HTTPResponse {
    await withThread(request) { thread, _, known in
      await advance(thread, known: known, request: request, status: .ok)
    }
  }

  /// Runs `handle` on the existing thread that the route names.
  ///
  /// Verifies the body's signature, holds the thread for the call (409 when another call
  /// holds it), and reads its events (404 when there are none). A store conflict is 409,
  /// another store failure 500.
  private func withThread(
    _ request: HTTPRequest,
    _ handle: (_ thread: String, _ body: Data, _ known: [Event]) async throws -> HTTPResponse
  ) async -> HTTPResponse {
    let thread = request.routeParameters["thread"] ?? ""
    let body: Data
    switch await verifiedBody(request) {
    case .failure(let response): return response
    case .success(let data): body = data
    }
    guard claim(thread) else { return busyResponse(thread) }
    defer { release(thread) }
    do {
      let known = try events.events(in: thread)
      guard !known.isEmpty else {
        return .jsonError(.notFound, type: "unknown_thread", message: "no thread \"\(thread)\"")
      }
      return try await handle(thread, body, known)
    } catch let error as EventStoreError {
      return .jsonError(.conflict, type: "conflict", message: error.description)
    } catch {
      return .jsonError(.internalServerError, type: "store_failed", message: "\(error)")
    }
  }

  // MARK: Running the loop

  /// Advances `thread`, stores what it appended, and describes where it stopped.
  func advance(
    _ thread: String, known: [Event], request: HTTPRequest, status: HTTPStatusCode
  ) async -> HTTPResponse {
    var result: AdvanceResult
    var failure: String?
    do {
      result = try await loop.advance(thread: thread, events: known)
    } catch let interrupted as AgentLoopInterrupted {
      result = interrupted.partial
      failure = "the model source failed: \(interrupted.description)"
    } catch {
      return .jsonError(.internalServerError, type: "loop_failed", message: "\(error)")
    }
    do {
      let lines = result.events.map {
        EventLine(
          thread: $0.thread, seq: $0.seq, type: $0.type, data: $0.data, at: $0.at, id: $0.id,
          meta: $0.meta)
      }
      if !lines.isEmpty {
        try events.append(lines, to: thread, expectedNextSeq: known.count)
      }
    } catch {
      return .jsonError(.conflict, type: "conflict", message: "\(error)")
    }
    if case .runnerFailed(let intent, let message) = result.stop {
      failure = "the tool for \(intent.name) could not run: \(message)"
    }
    var answer = describe(thread, state: result.state, request: request)
    answer["appended"] = .array(result.events.map(\.jsonValue))
    answer["stop"] = .string(Self.stopName(result.stop))
    if let failure {
      answer["error"] = .string(failure)
      answer["retry_url"] = .string(baseURL(request) + "/threads/\(thread)/advance")
      return .json(.object(answer), status: .badGateway)
    }
    return .json(.object(answer), status: status)
  }

  /// Why posted input is refused, if it is.
  func refusal(_ lines: [EventLine], state: ThreadState, thread: String) -> HTTPResponse? {
    let vocabulary = loop.vocabulary
    for line in lines {
      let type = vocabulary.canonicalType(line.type)
      guard vocabulary.inputTypes.contains(type) else {
        return .jsonError(
          .badRequest, type: "not_an_input",
          message: "only input events (\(vocabulary.inputTypes.sorted().joined(separator: ", "))) "
            + "may be posted; \"\(line.type)\" is not one")
      }
      if type == "approval" && state.status != .awaitingApproval {
        return .jsonError(
          .conflict, type: "not_waiting",
          message: "thread \"\(thread)\" is \(state.status.rawValue), not awaiting an approval")
      }
      if type != "approval" && state.status == .awaitingApproval {
        let intent = state.pending?.intent ?? "a call"
        return .jsonError(
          .conflict, type: "not_waiting",
          message: "thread \"\(thread)\" waits for an approval of \(intent), not \(line.type)")
      }
    }
    return nil
  }

  /// The status, state and `waiting_for` of a thread.
  func describe(_ thread: String, state: ThreadState, request: HTTPRequest) -> [String: JSONValue] {
    var answer: [String: JSONValue] = [
      "thread": .string(thread), "status": .string(state.status.rawValue),
      "state": Self.stateJSON(state),
      "url": .string(baseURL(request) + "/threads/\(thread)"),
    ]
    let url = JSONValue.string(baseURL(request) + "/threads/\(thread)/events")
    let pending: JSONValue =
      state.pending.map { ["name": .string($0.intent), "parameters": $0.parameters] } ?? .null
    switch state.status {
    case .awaitingApproval:
      answer["waiting_for"] = [
        "event": "approval", "intent": pending, "url": url,
        "example": ["type": "approval", "data": ["approved": true, "by": "@you"]],
      ]
    case .awaitingHuman, .escalated:
      answer["waiting_for"] = [
        "event": "human_response", "intent": pending, "url": url,
        "example": ["type": "human_response", "data": ["from": "@you", "text": "…"]],
      ]
    case .running, .done, .stepLimit:
      answer["waiting_for"] = .null
    }
    return answer
  }

  static func stateJSON(_ state: ThreadState) -> JSONValue {
    var members: [String: JSONValue] = [
      "status": .string(state.status.rawValue), "steps": .int(Int64(state.steps)),
      "consecutive_errors": .int(Int64(state.consecutiveErrors)),
      "next_seq": .int(Int64(state.nextSeq)),
      "violations": .array(state.violations.map { .string($0.description) }),
    ]
    if let pending = state.pending {
      members["pending"] = [
        "intent": .string(pending.intent), "kind": .string(pending.kind.rawValue),
        "seq": .int(Int64(pending.seq)), "parameters": pending.parameters,
      ]
    }
    if let feedback = state.feedback { members["feedback"] = .string(feedback) }
    return .object(members)
  }

  static func stopName(_ stop: AdvanceResult.Stop) -> String {
    switch stop {
    case .awaitingApproval: return "awaiting_approval"
    case .awaitingHuman: return "awaiting_human"
    case .done: return "done"
    case .escalated: return "escalated"
    case .stepLimit: return "step_limit"
    case .runnerFailed: return "runner_failed"
    case .sourceFailed: return "source_failed"
    }
  }

  // MARK: Plumbing

  enum Body {
    case success(Data)
    case failure(HTTPResponse)
  }

  /// The raw body, if its signature checks out (or no secret is configured).
  func verifiedBody(_ request: HTTPRequest) async -> Body {
    let body: Data
    do {
      body = try await request.bodyData
    } catch {
      return .failure(.jsonError(.badRequest, type: "invalid_request", message: "unreadable body"))
    }
    if let signature {
      do {
        try signature.verify(
          request.headers[HTTPHeader(WebhookSignature.header)],
          method: request.method.rawValue, path: request.path, body: body)
      } catch {
        return .failure(
          .jsonError(.unauthorized, type: "bad_signature", message: error.description))
      }
    }
    return .success(body)
  }

  func baseURL(_ request: HTTPRequest) -> String {
    "http://" + (request.headers[.host] ?? "127.0.0.1")
  }

  private func claim(_ thread: String) -> Bool {
    busy.withLock { $0.insert(thread).inserted }
  }

  private func release(_ thread: String) {
    _ = busy.withLock { $0.remove(thread) }
  }

  private func busyResponse(_ thread: String) -> HTTPResponse {
    .jsonError(
      .conflict, type: "busy",
      message: "thread \"\(thread)\" is advancing; try again when it pauses")
  }
}
