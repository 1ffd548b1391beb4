import Foundation
import RefoldCore
import RefoldModels
import RefoldServer
import RefoldShared
import RefoldTestSupport
import RefoldTesting
import Testing

/// The model endpoint `refold eval` runs for an external agent's own calls, asked with a
/// plain HTTP client on 127.0.0.1: recorded answers by the proxy's key, misses the SDKs do
/// not retry, the decision each call belongs to, and recording through a test upstream.
@Suite struct ModelEndpointTests {
  static let system = "You are a careful calculator."

  static func request(_ system: String = Self.system, user: String = "3 times 4?") -> JSONValue {
    [
      "model": "calc-model", "temperature": 0,
      "messages": [
        ["role": "system", "content": .string(system)], ["role": "user", "content": .string(user)],
      ],
    ]
  }

  static let answer = ProviderResponses.openAIToolCall(
    name: "multiply", arguments: ["a": 3, "b": 4], id: "call_1")

  /// A cassette holding one answer to ``request(_:user:)``, as the proxy records it.
  static func cassette() -> InMemoryCassette {
    let body = request()
    return InMemoryCassette([
      Exchange(
        key: CassetteKey.key(for: body), n: 0, provider: "openai",
        request: CassetteKey.canonicalRequest(body), response: answer,
        recordedAt: "2026-12-01T10:00:00Z", thread: "t-1")
    ])
  }

  @Test func recordedAnswersAreKeyedAsTheProxyKeysThemAndMissesAreNotRetried() async throws {
    let endpoint = ModelEndpoint(kind: .recorded)
    let channel = try endpoint.channel(variant: "v", cassette: Self.cassette(), upstream: nil)
    let slot = try await channel.openSlot()
    #expect(slot.environment["OPENAI_BASE_URL"] == slot.url + "/v1")
    #expect(slot.environment["ANTHROPIC_BASE_URL"] == slot.url)
    #expect(slot.url.hasPrefix("http://127.0.0.1:"))

    // Transport fields (stream false, user, metadata) are not part of the key.
    channel.begin(slot: slot.id, thread: "t-1", step: 0, session: 1)
    var sent = Self.request().objectValue ?? [:]
    sent["stream"] = false
    sent["user"] = "agent-7"
    sent["metadata"] = ["refold_thread": "t-1"]
    let hit = try await Support.post(slot.url + "/v1/chat/completions", json: .object(sent))
    #expect(hit.status == 200)
    #expect(hit.json == Self.answer)
    #expect(hit.headers["x-refold-exchange"] == CassetteKey.key(for: Self.request()))

    // Asked again in the same replay: one answer is recorded, so the second is a miss.
    let again = try await Support.post(slot.url + "/v1/chat/completions", json: Self.request())
    #expect(again.status == 500)
    #expect(again.headers["x-should-retry"] == "false")
    let message = again.json?["error"]?["message"]?.stringValue ?? ""
    #expect(message.contains("asked 2 times"), "\(message)")
    let calls = channel.finish(slot: slot.id)
    #expect(calls.exchanges.count == 2)
    #expect(calls.exchanges.first?["n"] == 0)
    #expect(calls.exchanges.first?["response"] == Self.answer)
    #expect(calls.usage == TokenUsage(inputTokens: 412, outputTokens: 23))
    guard case .cassetteMiss(_, let thread, _, _)? = calls.failure else {
      Issue.record("no miss: \(String(describing: calls.failure))")
      return
    }
    #expect(thread == "t-1")

    // Another replay starts from the first recorded answer; a changed word is a miss whose
    // diff shows the word.
    channel.begin(slot: slot.id, thread: "t-1", step: 0, session: 2)
    let first = try await Support.post(slot.url + "/v1/chat/completions", json: Self.request())
    #expect(first.status == 200)
    let changed = try await Support.post(
      slot.url + "/v1/chat/completions", json: Self.request("You are a precise calculator."))
    #expect(changed.status == 500)
    let miss = try #require(channel.finish(slot: slot.id).failure)
    #expect(miss.exitStatus == .sourceFailed)
    #expect(miss.description.contains("-   | You are a careful calculator."), "\(miss)")
    #expect(miss.description.contains("+   | You are a precise calculator."), "\(miss)")

    // No decision in flight: refused, and tied to nothing.
    let idle = try await Support.post(slot.url + "/v1/chat/completions", json: Self.request())
    #expect(idle.status == 500)
    #expect(idle.json?["error"]?["message"]?.stringValue?.contains("no decision") == true)
    await endpoint.stop()
  }

  @Test func concurrentSlotsKeepTheirOwnCalls() async throws {
    let endpoint = ModelEndpoint(kind: .recorded)
    let channel = try endpoint.channel(variant: "v", cassette: Self.cassette(), upstream: nil)
    let slots = [try await channel.openSlot(), try await channel.openSlot()]
    #expect(slots[0].url != slots[1].url)
    channel.begin(slot: slots[0].id, thread: "t-1", step: 0, session: 11)
    channel.begin(slot: slots[1].id, thread: "t-2", step: 5, session: 12)
    try await withThrowingTaskGroup(of: Void.self) { group in
      for (index, slot) in slots.enumerated() {
        group.addTask {
          for _ in 0...index {
            _ = try await Support.post(slot.url + "/v1/chat/completions", json: Self.request())
          }
        }
      }
      try await group.waitForAll()
    }
    let first = channel.finish(slot: slots[0].id)
    let second = channel.finish(slot: slots[1].id)
    #expect(first.exchanges.count == 1 && first.failure == nil)
    // The second slot asked twice in one replay: its second call is its own miss.
    #expect(second.exchanges.count == 2)
    #expect(second.exchanges.first?["n"] == 0)
    guard case .cassetteMiss(_, "t-2", _, _)? = second.failure else {
      Issue.record("no miss on t-2: \(String(describing: second.failure))")
      return
    }
    await endpoint.stop()
  }

  @Test func callsWithoutASlotAreTiedByTheThreadHeader() async throws {
    let endpoint = ModelEndpoint(kind: .recorded)
    let channel = try endpoint.channel(variant: "v", cassette: Self.cassette(), upstream: nil)
    let slot = try await channel.openSlot()
    let base = try await endpoint.baseURL()
    channel.begin(slot: slot.id, thread: "t-1", step: 3, session: 9)
    let hit = try await Support.post(
      base + "/v1/chat/completions", json: Self.request(), headers: ["X-Refold-Thread": "t-1"])
    #expect(hit.status == 200)
    let unknown = try await Support.post(
      base + "/v1/chat/completions", json: Self.request(), headers: ["X-Refold-Thread": "t-2"])
    #expect(unknown.status == 500)
    #expect(channel.finish(slot: slot.id).exchanges.count == 1)

    // Anthropic's error shape on the Anthropic route; the models the cassette knows.
    channel.begin(slot: slot.id, thread: "t-1", step: 4, session: 9)
    let anthropic = try await Support.post(
      slot.url + "/v1/messages",
      json: [
        "model": "calc-model", "max_tokens": 16, "messages": [["role": "user", "content": "hi"]],
      ])
    #expect(anthropic.status == 500)
    #expect(anthropic.json?["type"] == "error")
    #expect(anthropic.json?["error"]?["type"] == "api_error")
    #expect(anthropic.headers["x-should-retry"] == "false")
    _ = channel.finish(slot: slot.id)
    let models = try await Support.send("GET", slot.url + "/v1/models")
    #expect(models.json?["data"]?.arrayValue?.first?["id"] == "calc-model")
    await endpoint.stop()
  }

  @Test func recordForwardsWithTheAgentsKeyAndNeverWritesIt() async throws {
    let secret = "sk-endpoint-test-0123456789"
    let upstream = try await ProviderServer(answers: [Self.answer])
    let cassette = InMemoryCassette()
    let endpoint = ModelEndpoint(kind: .record)
    let channel = try endpoint.channel(
      variant: "v", cassette: cassette, upstream: upstream.baseURL)
    let slot = try await channel.openSlot()
    channel.begin(slot: slot.id, thread: "t-1", step: 0, session: 1)
    let headers = ["Authorization": "Bearer \(secret)"]
    let first = try await Support.post(
      slot.url + "/v1/chat/completions", json: Self.request(), headers: headers)
    #expect(first.status == 200)
    #expect(first.json == Self.answer)
    #expect(upstream.received.first?.header("authorization") == "Bearer \(secret)")
    let stored = try cassette.allExchanges()
    #expect(stored.count == 1)
    #expect(stored.first?.key == CassetteKey.key(for: Self.request()))
    #expect(stored.first?.thread == "t-1")
    let line = try String(decoding: JSONEncoder().encode(stored), as: UTF8.self)
    #expect(!line.contains(secret))
    _ = channel.finish(slot: slot.id)

    // A new replay: the recorded answer, not the upstream.
    channel.begin(slot: slot.id, thread: "t-1", step: 0, session: 2)
    let replayed = try await Support.post(
      slot.url + "/v1/chat/completions", json: Self.request(), headers: headers)
    #expect(replayed.status == 200)
    #expect(upstream.received.count == 1)
    #expect(channel.finish(slot: slot.id).exchanges.first?["replayed"] == true)

    // An upstream that is gone is the decision's source error (502, not retried).
    await upstream.stop()
    channel.begin(slot: slot.id, thread: "t-1", step: 1, session: 2)
    let gone = try await Support.post(
      slot.url + "/v1/chat/completions", json: Self.request(user: "and 5?"), headers: headers)
    #expect(gone.status == 502)
    #expect(gone.headers["x-should-retry"] == "false")
    #expect(channel.finish(slot: slot.id).failure?.exitStatus == .sourceFailed)
    await endpoint.stop()
  }
}

/// An HTTP agent on 127.0.0.1 that calls its model at the slot URL Refold sends it
/// (`X-Refold-Model-URL`), asked through ``ExternalAgentDecider``: the call is part of the
/// decision, and a miss is the decision's source error whatever the agent answered.
@Suite struct HTTPAgentModelEndpointTests {
  /// An agent that asks its model and answers the first tool call, or says it could not
  /// decide when the model call failed.
  static func agent() async throws -> ProviderServer {
    try await ProviderServer(routes: ["POST /next-step"]) { _, request in
      guard let url = request.header(ExternalAgentDecider.modelURLHeader) else {
        return .json(["error": "no model URL"])
      }
      let asked = request.json?["events"]?.arrayValue?.count ?? 0
      let answer = try await Support.post(
        url + "/v1/chat/completions",
        json: ModelEndpointTests.request(user: asked == 1 ? "3 times 4?" : "and 5?"))
      guard answer.status == 200,
        let message = answer.json?["choices"]?.arrayValue?.first?["message"],
        let call = message["tool_calls"]?.arrayValue?.first?["function"],
        let name = call["name"]?.stringValue, let arguments = call["arguments"]?.stringValue
      else { return .json(["error": .string("the model answered HTTP \(answer.status)")]) }
      return .json(["intent": .string(name), "params": try JSONParser.parse(arguments)])
    }
  }

  @Test func theAgentsCallIsInTheDecisionAndAMissIsItsSourceError() async throws {
    let agent = try await Self.agent()
    let endpoint = ModelEndpoint(kind: .recorded)
    let channel = try endpoint.channel(
      variant: "v", cassette: ModelEndpointTests.cassette(), upstream: nil)
    let decider = try ExternalAgentDecider(
      agent: ExternalAgent(endpoint: .url("http://127.0.0.1:\(agent.port)/next-step")),
      suite: "calc", variant: "v",
      vocabulary: Vocabulary(intents: ["multiply": .sync, "done_for_now": .terminal]),
      modelEndpoint: channel)
    let input = Event(thread: "t-1", seq: 0, type: "user_input", data: ["text": "3 times 4?"])
    let decision = try await decider.decide(thread: "t-1", events: [input])
    #expect(decision.outcome == .intent(Intent(name: "multiply", parameters: ["a": 3, "b": 4])))
    #expect(decision.exchangeKey == CassetteKey.key(for: ModelEndpointTests.request()))
    let calls = decision.rawResponse?["model_calls"]?.arrayValue ?? []
    #expect(calls.count == 1)
    #expect(calls.first?["request"] == ModelEndpointTests.request())
    #expect(calls.first?["response"] == ModelEndpointTests.answer)

    // The next step's request is not in the cassette: the agent said it could not decide,
    // but the decision is the miss.
    let result = Event(
      thread: "t-1", seq: 2, type: "multiply_result", data: ["value": 12])
    let call = Event(thread: "t-1", seq: 1, type: "multiply", data: ["a": 3, "b": 4])
    await #expect {
      _ = try await decider.session().decide(thread: "t-1", events: [input, call, result])
    } throws: { error in
      guard case .cassetteMiss(_, "t-1", _, let diff)? = error as? ModelSourceError else {
        return false
      }
      return diff.contains("+   | and 5?")
    }
    await agent.stop()
    await endpoint.stop()
  }
}

/// The official Python SDKs, with their default automatic retries, against a miss: one call
/// reaches the endpoint, and the SDK raises a status error rather than returning an answer.
@Suite(
  .enabled(
    if: SDKVenv.exists,
    "skipped: no SDK venv; .ci/run creates it (python3 -m venv .build/venv; .build/venv/bin/pip install -r scripts/requirements-sdk.txt)"
  ))
struct SDKMissTests {
  /// Asks the SDK named by its argument once, with the SDK's default retries; prints
  /// `status 500` for the error it raises (modules are loaded by name, so that no line of
  /// this Swift file reads as an import).
  static let script = """
    os, sys = __import__("os"), __import__("sys")
    sdk = __import__(sys.argv[1])
    try:
        if sys.argv[1] == "openai":
            client = sdk.OpenAI(base_url=os.environ["SLOT"] + "/v1", api_key="k")
            client.chat.completions.create(
                model="calc-model", messages=[{"role": "user", "content": "not recorded"}])
        else:
            client = sdk.Anthropic(base_url=os.environ["SLOT"], api_key="k")
            client.messages.create(
                model="calc-model", max_tokens=16,
                messages=[{"role": "user", "content": "not recorded"}])
        print("answered")
    except sdk.InternalServerError as error:
        print("status", error.status_code)
    """

  @Test(arguments: ["openai", "anthropic"])
  func aMissIsOneCallAndAnErrorForTheSDK(sdk: String) async throws {
    let endpoint = ModelEndpoint(kind: .recorded)
    let channel = try endpoint.channel(
      variant: "v", cassette: ModelEndpointTests.cassette(), upstream: nil)
    let slot = try await channel.openSlot()
    channel.begin(slot: slot.id, thread: "t-1", step: 0, session: 1)
    let ended = try await ChildProcess.run(
      SDKVenv.python, ["-c", Self.script, sdk],
      environment: [
        "SLOT": slot.url, "NO_PROXY": "127.0.0.1",
        "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
      ])
    #expect(ended.stdout == "status 500\n", "\(ended.stderr)")
    let calls = channel.finish(slot: slot.id)
    #expect(calls.exchanges.count == 1)
    #expect(calls.failure != nil)
    await endpoint.stop()
  }
}
