import Foundation
import RefoldCore
import RefoldShared
import RefoldTesting
import Testing

@testable import RefoldModels

/// The live clients against real HTTP servers on 127.0.0.1 that speak each provider's format.
@Suite struct HTTPClientTests {
  let fast = ClientOptions(
    timeout: 10, maxConcurrentRequests: 2,
    retry: RetryPolicy(maxAttempts: 3, baseDelay: 0.01, maxDelay: 2, jitter: 0.1))

  /// The real transport with a clock that only the test moves: backoff and timeouts cost no
  /// real time.
  func onTestClock(_ clock: TestClock) -> Dependencies {
    Dependencies(
      clock: clock, now: { Date(timeIntervalSince1970: 1_700_000_000) },
      transport: URLSessionTransport())
  }

  @Test func openAIClientPostsChatCompletionsWithABearerKey() async throws {
    let answer = ProviderResponses.openAIToolCall(name: "list_git_tags", arguments: "{}")
    let server = try await ProviderServer { _, _ in
      .json(answer)
    }
    defer { Task { await server.stop() } }
    // The real clock (the latency is measured on it), with a timeout no loaded machine
    // reaches, so the one attempt is the only one.
    var patient = fast
    patient.timeout = 300
    let client = OpenAIChatClient(
      baseURL: server.baseURL, apiKey: "sk-test-123", options: patient)
    let body: JSONValue = [
      "model": "gpt-4o-mini", "messages": [["role": "user", "content": "hi"]],
    ]
    let result = try await client.send(body)
    #expect(result.body == answer)
    #expect(result.status == 200)
    #expect(result.usage == TokenUsage(inputTokens: 412, outputTokens: 23))
    #expect(result.latencyMilliseconds > 0)
    #expect(result.meta["attempts"] == 1)
    #expect(result.meta["transport_retries"] == [])
    let request = try #require(server.received.first)
    #expect(request.header("Authorization") == "Bearer sk-test-123")
    #expect(request.header("Content-Type") == "application/json")
    #expect(request.path == "/v1/chat/completions")
  }

  @Test func anthropicClientSendsItsHeaders() async throws {
    let answer = ProviderResponses.anthropicToolUse(name: "list_git_tags", input: [:])
    let server = try await ProviderServer { _, request in
      let sent = try #require(request.json)
      return sent["max_tokens"] == nil
        ? .json(
          ["type": "error", "error": ["type": "invalid_request_error"]],
          status: 400)
        : .json(answer)
    }
    defer { Task { await server.stop() } }
    let client = AnthropicMessagesClient(
      baseURL: server.baseURL, apiKey: "sk-ant-xyz", options: fast,
      dependencies: onTestClock(TestClock()))
    let result = try await client.send(["model": "claude", "max_tokens": 64, "messages": []])
    #expect(result.usage == TokenUsage(inputTokens: 512, outputTokens: 61))
    let request = try #require(server.received.first)
    #expect(request.header("x-api-key") == "sk-ant-xyz")
    #expect(request.header("anthropic-version") == "2023-06-01")
    #expect(request.header("Authorization") == nil)
    // A 400 is not retried: it is the request's fault.
    await #expect(throws: ModelSourceError.self) {
      try await client.send(["model": "claude", "messages": []])
    }
    #expect(server.received.count == 2)
  }

  @Test func a429IsRetriedAfterTheDelayRetryAfterAsks() async throws {
    let answer = ProviderResponses.openAIContent("ok")
    let server = try await ProviderServer { attempt, _ in
      attempt == 1
        ? .json(
          ["error": ["message": "Rate limit reached"]],
          status: 429,
          headers: ["Retry-After": "1"])
        : .json(answer)
    }
    defer { Task { await server.stop() } }
    let clock = TestClock()
    let client = OpenAIChatClient(
      baseURL: server.baseURL, apiKey: nil, options: fast, dependencies: onTestClock(clock))
    async let sent = client.send(["model": "m", "messages": []])
    await clock.advanceWhenDue(by: .seconds(1))
    let result = try await sent
    #expect(result.body == answer)
    #expect(result.meta["attempts"] == 2)
    // Each attempt raced a 10 s timeout; between them the client slept what Retry-After said.
    #expect(clock.requestedSleeps == [.seconds(10), .seconds(1), .seconds(10)])
    let retries = try #require(result.meta["transport_retries"]?.arrayValue)
    #expect(retries.count == 1)
    #expect(retries[0]["status"] == 429)
    #expect(retries[0]["retry_after_s"] == 1.0)
    #expect(retries[0]["delay_ms"] == 1000.0)
    #expect(server.received.count == 2)
    #expect(server.received[0].header("Authorization") == nil)
  }

  @Test func a500IsRetriedWithBackoff() async throws {
    let answer = ProviderResponses.openAIContent("ok")
    let server = try await ProviderServer { attempt, _ in
      attempt == 1
        ? .json(["error": ["message": "boom"]], status: 500)
        : .json(answer)
    }
    defer { Task { await server.stop() } }
    let clock = TestClock()
    let client = OpenAIChatClient(
      baseURL: server.baseURL, apiKey: nil, options: fast, dependencies: onTestClock(clock))
    async let sent = client.send(["model": "m", "messages": []])
    await clock.advanceWhenDue(by: .milliseconds(20))
    let result = try await sent
    #expect(result.body == answer)
    let retries = try #require(result.meta["transport_retries"]?.arrayValue)
    #expect(retries.map { $0["reason"] } == ["HTTP 500"])
    let delay = try #require(retries[0]["delay_ms"]?.doubleValue)
    #expect(delay >= 9 && delay <= 11)
    // The backoff was slept on the client's clock, between two 10 s attempt timeouts.
    #expect(clock.requestedSleeps.count == 3)
    #expect(clock.requestedSleeps.filter { $0 < .milliseconds(12) }.count == 1)
  }

  @Test func persistentFailuresThrowAfterTheLastAttempt() async throws {
    let server = try await ProviderServer { _, _ in
      .json(
        ["error": ["message": "overloaded"]], status: 503, phrase: "Unavailable")
    }
    defer { Task { await server.stop() } }
    let clock = TestClock()
    let client = OpenAIChatClient(
      baseURL: server.baseURL, apiKey: nil, options: fast, dependencies: onTestClock(clock))
    async let sent = client.send(["model": "m"])
    await clock.advanceWhenDue(by: .milliseconds(30))
    await clock.advanceWhenDue(by: .milliseconds(30))
    do {
      _ = try await sent
      Issue.record("expected an HTTP failure")
    } catch {
      guard case .httpStatus(_, let status, let body, let attempts) = error as? ModelSourceError
      else {
        Issue.record("unexpected \(error)")
        return
      }
      #expect(status == 503)
      #expect(attempts == 3)
      #expect(body.contains("overloaded"))
    }
    #expect(server.received.count == 3)
  }

  @Test func aSlowServerTimesOut() async throws {
    // The server holds every request until the test ends; the client's clock runs out first.
    let (held, release) = AsyncStream.makeStream(of: Void.self)
    defer { release.finish() }
    let server = try await ProviderServer { _, _ in
      for await _ in held {}
      return .json(ProviderResponses.openAIContent("late"))
    }
    defer { Task { await server.stop() } }
    var options = fast
    options.timeout = 0.5
    options.retry.maxAttempts = 2
    let clock = TestClock()
    let client = OpenAIChatClient(
      baseURL: server.baseURL, apiKey: nil, options: options, dependencies: onTestClock(clock))
    async let sent = client.send(["model": "m"])
    await clock.advanceWhenDue(by: .milliseconds(500))
    await clock.advanceWhenDue(by: .milliseconds(20))
    await clock.advanceWhenDue(by: .milliseconds(500))
    do {
      _ = try await sent
      Issue.record("expected a timeout")
    } catch {
      #expect(
        error as? ModelSourceError
          == .timeout(url: server.baseURL + "/chat/completions", seconds: 0.5, attempts: 2))
    }
  }

  @Test func anUnreachableEndpointIsReported() async throws {
    let refusing = try RefusingPort()
    var options = fast
    options.retry.maxAttempts = 2
    let clock = TestClock()
    let client = OpenAIChatClient(
      baseURL: "http://127.0.0.1:\(refusing.port)/v1", apiKey: nil, options: options,
      dependencies: onTestClock(clock))
    async let sent = client.send(["model": "m"])
    await clock.advanceWhenDue(by: .milliseconds(20))
    do {
      _ = try await sent
      Issue.record("expected the endpoint to be unreachable")
    } catch {
      guard case .unreachable(_, _, let attempts) = error as? ModelSourceError else {
        Issue.record("unexpected \(error)")
        return
      }
      #expect(attempts == 2)
    }
  }

  @Test func theLimiterBoundsRequestsInFlight() async throws {
    // Each request is held until a second one is in flight (or it is the last), so that the
    // server sees requests overlap as far as the limiter lets them.
    let counter = InFlightCounter(pairing: 2, total: 6)
    let server = try await ProviderServer { _, _ in
      await counter.enter()
      await counter.leave()
      return .json(ProviderResponses.openAIContent("ok"))
    }
    defer { Task { await server.stop() } }
    let client = OpenAIChatClient(
      baseURL: server.baseURL, apiKey: nil, options: fast, dependencies: onTestClock(TestClock()))
    try await withThrowingTaskGroup(of: Void.self) { group in
      for index in 0..<6 {
        group.addTask { _ = try await client.send(["model": "m", "n": .int(Int64(index))]) }
      }
      try await group.waitForAll()
    }
    #expect(await counter.maximum == 2)
    #expect(server.received.count == 6)
  }

  @Test func recordingThroughALiveServerNeverWritesTheKey() async throws {
    let secret = "sk-very-secret-4242"
    let server = try await ProviderServer { _, request in
      guard request.header("Authorization") == "Bearer \(secret)" else {
        return .json(
          ["error": ["message": "no key"]], status: 401)
      }
      return .json(
        ProviderResponses.openAIToolCall(
          name: "next_step", arguments: #"{"intent":"list_git_tags"}"#))
    }
    defer { Task { await server.stop() } }
    var spec = try Support.deploybot()
    spec.model.baseURL = server.baseURL
    spec.model.apiKeyEnvironment = "DEPLOYBOT_KEY"
    let live = try LiveModelSource(
      settings: spec.model, environment: ["DEPLOYBOT_KEY": secret], options: fast)
    let path = try Support.temporaryDirectory() + "/cassettes/deploybot.jsonl"
    let cassette = try JSONLCassette(path: path)
    let decider = try ModelDecider(
      spec: spec, source: RecordingModelSource(live: live, cassette: cassette))
    let decision = try await decider.decide(thread: "deploy-001", events: [Support.deployThread[0]])
    #expect(decision.outcome == .intent(Intent(name: "list_git_tags")))
    let text = try String(contentsOfFile: path, encoding: .utf8)
    #expect(!text.isEmpty)
    #expect(!text.contains(secret))
    #expect(!text.lowercased().contains("authorization"))
    let stored = try #require(try cassette.allExchanges().first)
    #expect(!stored.request.canonicalString.contains(secret))
    #expect(!(stored.meta?.canonicalString.contains(secret) ?? false))
    #expect(stored.thread == "deploy-001")
    #expect(stored.key == decision.exchangeKey)

    // Replayed with the server stopped, the decision is the same.
    await server.stop()
    let replay = try ModelDecider(
      spec: spec, source: RecordedModelSource(cassette: try JSONLCassette(path: path)))
    let again = try await replay.decide(thread: "deploy-001", events: [Support.deployThread[0]])
    #expect(again.outcome == decision.outcome)
    #expect(again.exchangeKey == decision.exchangeKey)
  }

  @Test func aMissingKeyVariableIsReported() {
    var settings = ModelSettings(name: "m")
    settings.apiKeyEnvironment = "NOT_SET_ANYWHERE"
    #expect(throws: ModelSourceError.missingAPIKey(variable: "NOT_SET_ANYWHERE")) {
      try LiveModelSource(settings: settings, environment: [:])
    }
  }

  @Test func retryAfterAcceptsSecondsAndHTTPDates() {
    let now = Date(timeIntervalSince1970: 1_700_000_000)
    #expect(RetryPolicy.retryAfterSeconds("7", now: now) == 7)
    #expect(RetryPolicy.retryAfterSeconds("Tue, 14 Nov 2023 22:13:30 GMT", now: now) == 10)
    #expect(RetryPolicy.retryAfterSeconds("soon", now: now) == nil)
    #expect(RetryPolicy(maxDelay: 5).delay(beforeRetry: 1, retryAfter: 60) == 5)
  }
}

/// Counts concurrent requests on the server side, holding each until `pairing` are in flight
/// or `total` have arrived.
actor InFlightCounter {
  private(set) var current = 0
  private(set) var maximum = 0
  private var arrived = 0
  private var held: [CheckedContinuation<Void, Never>] = []
  let pairing: Int
  let total: Int

  init(pairing: Int, total: Int) {
    self.pairing = pairing
    self.total = total
  }

  func enter() async {
    current += 1
    arrived += 1
    maximum = max(maximum, current)
    if current >= pairing || arrived >= total {
      for continuation in held { continuation.resume() }
      held = []
      return
    }
    await withCheckedContinuation { held.append($0) }
  }

  func leave() { current -= 1 }
}
