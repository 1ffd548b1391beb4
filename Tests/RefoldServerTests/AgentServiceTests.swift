import Foundation
import RefoldCore
import RefoldModels
import RefoldServer
import RefoldStore
import RefoldTesting
import Testing

/// A deploy-bot that decides from the thread alone, as a stateless model would.
func scriptedDeployBot() -> ScriptedDecider {
  ScriptedDecider { _, events in
    let types = events.map(\.type)
    if let approval = events.last(where: { $0.type == "approval" }),
      approval.data["approved"] == false
    {
      return Decision(
        outcome: .intent(Intent(name: "done_for_now", parameters: ["message": "Cancelled."])))
    }
    if types.contains("deploy_backend_result") {
      return Decision(
        outcome: .intent(Intent(name: "done_for_now", parameters: ["message": "Deployed."])))
    }
    if let result = events.last(where: { $0.type == "list_git_tags_result" }) {
      let tag = result.data["tags"]?.arrayValue?.first ?? "v0"
      return Decision(
        outcome: .intent(
          Intent(name: "deploy_backend", parameters: ["tag": tag, "environment": "production"])),
        exchangeKey: "scripted")
    }
    return Decision(outcome: .intent(Intent(name: "list_git_tags")))
  }
}

@Suite struct AgentServiceTests {
  static let secret = "whsec-test-0123456789"

  static func tools(in directory: String) -> CommandToolRunner {
    CommandToolRunner(commands: [
      "list_git_tags": ToolCommand(
        arguments: ["/bin/sh", "-c", "echo '{\"tags\":[\"v1.4.2\",\"v1.4.1\"]}'"]),
      "deploy_backend": ToolCommand(
        arguments: [
          "/bin/sh", "-c",
          "cat > \"\(directory)/deploy-input.json\"; echo '{\"status\":\"deployed\"}'",
        ]),
    ])
  }

  static func service(
    databasePath: String, directory: String, now: @escaping @Sendable () -> Date = { Date() }
  ) throws -> AgentService {
    let spec = try Support.deploybot()
    let loop = AgentLoop(spec: spec, decider: scriptedDeployBot(), tools: tools(in: directory))
    let events = SQLiteEventStore(
      database: try RefoldDatabase(path: databasePath), reducer: spec.reducer)
    return AgentService(loop: loop, events: events, webhookSecret: secret, now: now)
  }

  @Test func replayedExpiredAndCrossThreadWebhooksAreRefusedAndChangeNothing() async throws {
    let directory = try Support.temporaryDirectory()
    let databasePath = directory + "/refold.sqlite"
    let now: Int64 = 1_800_000_000
    let service = try Self.service(
      databasePath: databasePath, directory: directory,
      now: { Date(timeIntervalSince1970: Double(now)) })
    let running = try await service.start(listen: ListenAddress(host: "127.0.0.1", port: 0))
    let signer = WebhookSignature(secret: Self.secret)
    func post(_ value: JSONValue, to path: String, signedFor signedPath: String, at t: Int64)
      async throws -> Support.Answer
    {
      let body = Data(value.canonicalString.utf8)
      let signature = signer.sign(method: "POST", path: signedPath, body: body, timestamp: t)
      return try await Support.send(
        "POST", running.baseURL + path, body: body,
        headers: ["X-Refold-Signature": signature, "Content-Type": "application/json"])
    }
    for thread in ["deploy-042", "deploy-043"] {
      let trigger: JSONValue = [
        "thread": .string(thread),
        "events": [["type": "slack_message", "data": ["from": "@alex", "text": "ship it"]]],
      ]
      let launched = try await post(trigger, to: "/threads", signedFor: "/threads", at: now)
      #expect(launched.status == 201)
    }
    let store = SQLiteEventStore(database: try RefoldDatabase(path: databasePath))
    let before042 = try store.events(in: "deploy-042")
    let before043 = try store.events(in: "deploy-043")
    #expect(before043.count == 4)

    let approval: JSONValue = ["type": "approval", "data": ["approved": true, "by": "@sam"]]
    // Signed for deploy-042, posted to deploy-043.
    let crossThread = try await post(
      approval, to: "/threads/deploy-043/events", signedFor: "/threads/deploy-042/events",
      at: now)
    #expect(crossThread.status == 401)
    #expect(crossThread.json?["error"]?["message"]?.stringValue?.contains("path") == true)
    // Signed 301 s ago.
    let expired = try await post(
      approval, to: "/threads/deploy-042/events", signedFor: "/threads/deploy-042/events",
      at: now - 301)
    #expect(expired.status == 401)
    #expect(expired.json?["error"]?["message"]?.stringValue?.contains("300 s") == true)
    #expect(try store.events(in: "deploy-042") == before042)
    #expect(try store.events(in: "deploy-043") == before043)

    // Accepted once; the same request again is a replay.
    let accepted = try await post(
      approval, to: "/threads/deploy-042/events", signedFor: "/threads/deploy-042/events",
      at: now - 10)
    #expect(accepted.status == 200)
    let after = try store.events(in: "deploy-042")
    #expect(after.count > before042.count)
    let replayed = try await post(
      approval, to: "/threads/deploy-042/events", signedFor: "/threads/deploy-042/events",
      at: now - 10)
    await running.stop()
    #expect(replayed.status == 401)
    #expect(replayed.json?["error"]?["message"]?.stringValue?.contains("already accepted") == true)
    #expect(try store.events(in: "deploy-042") == after)
    #expect(try store.events(in: "deploy-043") == before043)
  }

  /// A body and its `X-Refold-Signature` for `POST path`, signed now.
  static func signed(_ value: JSONValue, path: String) -> (Data, [String: String]) {
    let body = Data(value.canonicalString.utf8)
    let signature = WebhookSignature(secret: secret).sign(
      method: "POST", path: path, body: body, timestamp: Int64(Date().timeIntervalSince1970))
    return (body, ["X-Refold-Signature": signature, "Content-Type": "application/json"])
  }

  @Test func pausesOnApprovalRefusesBadSignaturesAndResumesAfterARestart() async throws {
    let directory = try Support.temporaryDirectory()
    let databasePath = directory + "/refold.sqlite"
    let any = ListenAddress(host: "127.0.0.1", port: 0)

    // Launch: the thread runs the sync tool and pauses before deploying.
    var running = try await Self.service(databasePath: databasePath, directory: directory)
      .start(listen: any)
    let trigger: JSONValue = [
      "thread": "deploy-042",
      "events": [
        ["type": "slack_message", "data": ["from": "@alex", "text": "ship latest backend"]]
      ],
    ]
    let (launchBody, launchHeaders) = Self.signed(trigger, path: "/threads")
    let launched = try await Support.send(
      "POST", running.baseURL + "/threads", body: launchBody, headers: launchHeaders)
    #expect(launched.status == 201)
    let launchJSON = try #require(launched.json)
    #expect(launchJSON["status"] == "awaiting_approval")
    #expect(launchJSON["waiting_for"]?["event"] == "approval")
    #expect(launchJSON["waiting_for"]?["intent"]?["name"] == "deploy_backend")
    #expect(
      launchJSON["waiting_for"]?["url"]?.stringValue?.hasSuffix("/threads/deploy-042/events")
        == true)
    #expect(
      launchJSON["appended"]?.arrayValue?.compactMap { $0["type"]?.stringValue }
        == ["list_git_tags", "list_git_tags_result", "deploy_backend"])

    // A bad signature is refused and changes nothing.
    let approval: JSONValue = ["type": "approval", "data": ["approved": true, "by": "@sam"]]
    let (approvalBody, goodHeaders) = Self.signed(approval, path: "/threads/deploy-042/events")
    var badHeaders = goodHeaders
    badHeaders["X-Refold-Signature"] = WebhookSignature(secret: "wrong").sign(
      method: "POST", path: "/threads/deploy-042/events", body: approvalBody,
      timestamp: Int64(Date().timeIntervalSince1970))
    let refused = try await Support.send(
      "POST", running.baseURL + "/threads/deploy-042/events", body: approvalBody,
      headers: badHeaders)
    #expect(refused.status == 401)
    var unsigned = goodHeaders
    unsigned["X-Refold-Signature"] = nil
    let refusedUnsigned = try await Support.send(
      "POST", running.baseURL + "/threads/deploy-042/events", body: approvalBody,
      headers: unsigned)
    #expect(refusedUnsigned.status == 401)
    let shown = try await Support.send("GET", running.baseURL + "/threads/deploy-042")
    #expect(shown.json?["events"]?.arrayValue?.count == 4)
    #expect(shown.json?["status"] == "awaiting_approval")

    // Restart: a new service on the same database file resumes the thread.
    await running.stop(timeout: 0)
    running = try await Self.service(databasePath: databasePath, directory: directory)
      .start(listen: any)
    let resumed = try await Support.send(
      "POST", running.baseURL + "/threads/deploy-042/events", body: approvalBody,
      headers: goodHeaders)
    await running.stop(timeout: 0)
    #expect(resumed.status == 200)
    #expect(resumed.json?["status"] == "done")
    #expect(resumed.json?["waiting_for"] == .null)
    #expect(
      resumed.json?["appended"]?.arrayValue?.compactMap { $0["type"]?.stringValue }
        == ["deploy_backend_result", "done_for_now"])

    let stored = try SQLiteEventStore(path: databasePath).events(in: "deploy-042")
    #expect(
      stored.map(\.type) == [
        "slack_message", "list_git_tags", "list_git_tags_result", "deploy_backend", "approval",
        "deploy_backend_result", "done_for_now",
      ])
    #expect(stored.map(\.seq) == Array(0..<7))
    #expect(stored[3].meta?["exchange_key"] == "scripted")
    // The tool got the approved call's parameters on standard input.
    let input = try String(contentsOfFile: directory + "/deploy-input.json", encoding: .utf8)
    #expect(try JSONParser.parse(input) == ["tag": "v1.4.2", "environment": "production"])
  }

  @Test func inputThatTheThreadDoesNotWaitForIsRefused() async throws {
    let directory = try Support.temporaryDirectory()
    let service = try Self.service(databasePath: directory + "/db.sqlite", directory: directory)
    let running = try await service.start(listen: ListenAddress(host: "127.0.0.1", port: 0))
    let (body, headers) = Self.signed(
      ["thread": "t1", "events": [["type": "slack_message", "data": ["text": "deploy"]]]],
      path: "/threads")
    _ = try await Support.send("POST", running.baseURL + "/threads", body: body, headers: headers)
    let (reply, replyHeaders) = Self.signed(
      ["type": "human_response", "data": ["text": "hi"]], path: "/threads/t1/events")
    let wrongKind = try await Support.send(
      "POST", running.baseURL + "/threads/t1/events", body: reply, headers: replyHeaders)
    let (decision, decisionHeaders) = Self.signed(
      ["type": "deploy_backend", "data": [:]], path: "/threads/t1/events")
    let notInput = try await Support.send(
      "POST", running.baseURL + "/threads/t1/events", body: decision, headers: decisionHeaders)
    let missing = try await Support.send("GET", running.baseURL + "/threads/nope")
    await running.stop(timeout: 0)
    #expect(wrongKind.status == 409)
    #expect(notInput.status == 400)
    #expect(missing.status == 404)
  }

  @Test func commandToolsReportExitStatusStandardErrorAndTimeouts() async throws {
    let clock = TestClock()
    let runner = CommandToolRunner(
      commands: [
        "fails": ToolCommand(arguments: [
          "/bin/sh", "-c", "echo starting >&2; echo 'connection refused' >&2; exit 3",
        ]),
        // `exec`: the shell becomes the sleep, so the kill at the timeout ends the command
        // and its output at once.
        "slow": ToolCommand(arguments: ["/bin/sh", "-c", "exec sleep 5"], timeout: 0.5),
        "echoes": ToolCommand(arguments: ["/bin/sh", "-c", "cat"]),
        "garbage": ToolCommand(arguments: ["/bin/sh", "-c", "echo not json"]),
      ], clock: clock)
    let parameters: JSONValue = ["environment": "staging", "n": 2]
    #expect(
      try await runner.run(Intent(name: "fails"), thread: "t", events: [])
        == .failure("connection refused"))
    // The command would run for 5 s; its 0.5 s timeout passes on the test clock at once.
    async let slow = runner.run(Intent(name: "slow"), thread: "t", events: [])
    await clock.advanceWhenDue(by: .milliseconds(500))
    #expect(try await slow == .failure("slow timed out after 0.5 s"))
    #expect(
      try await runner.run(Intent(name: "echoes", parameters: parameters), thread: "t", events: [])
        == .success(parameters))
    guard case .failure = try await runner.run(Intent(name: "garbage"), thread: "t", events: [])
    else {
      Issue.record("non-JSON output should fail the call")
      return
    }
    await #expect(throws: ServerError.self) {
      try await runner.run(Intent(name: "unconfigured"), thread: "t", events: [])
    }
  }

  @Test func toolsFilesResolveCommandsAgainstTheirDirectory() throws {
    let commands = try ToolCommands.parse(
      """
      timeout: 12
      tools:
        list_git_tags: ./tools/tags.sh
        check_deployment_status:
          command: [python3, status.py]
          timeout: 3
      """, file: "tools.yaml", directory: "/srv/agent")
    #expect(commands["list_git_tags"]?.arguments == ["/bin/sh", "-c", "./tools/tags.sh"])
    #expect(commands["list_git_tags"]?.timeout == 12)
    #expect(commands["check_deployment_status"]?.arguments == ["python3", "status.py"])
    #expect(commands["check_deployment_status"]?.timeout == 3)
    #expect(commands["check_deployment_status"]?.workingDirectory == "/srv/agent")
    #expect(throws: ServerError.self) {
      try ToolCommands.parse("tools: {a: {cmd: x}}", file: "t.yaml", directory: "/")
    }
  }

  @Test func signaturesCoverTimeMethodPathAndBody() throws {
    let signer = WebhookSignature(secret: "s3cret", now: { Date(timeIntervalSince1970: 1_000) })
    let body = Data("{\"a\":1}".utf8)
    let path = "/threads/deploy-042/events"
    let signature = signer.sign(method: "POST", path: path, body: body, timestamp: 1_000)
    #expect(signature.hasPrefix("t=1000,v1="))
    #expect(signature.count == "t=1000,v1=".count + 64)
    // HMAC-SHA256("s3cret", "1000.POST./threads/deploy-042/events.{"a":1}"), from openssl.
    let expected = try Self.opensslHMAC(key: "s3cret", message: "1000.POST.\(path).{\"a\":1}")
    #expect(expected.count == 64)
    #expect(signature == "t=1000,v1=" + expected)
    try signer.verify(signature, method: "POST", path: path, body: body)
    #expect(throws: WebhookSignature.Refusal.replayed) {
      try signer.verify(signature, method: "POST", path: path, body: body)
    }
    let other = WebhookSignature(secret: "s3cret", now: { Date(timeIntervalSince1970: 1_000) })
    #expect(throws: WebhookSignature.Refusal.wrong) {
      try other.verify(signature, method: "POST", path: "/threads/deploy-043/events", body: body)
    }
    #expect(throws: WebhookSignature.Refusal.wrong) {
      try other.verify(signature, method: "POST", path: path, body: Data("{\"a\":2}".utf8))
    }
    #expect(throws: WebhookSignature.Refusal.missing) {
      try other.verify(nil, method: "POST", path: path, body: body)
    }
    #expect(throws: WebhookSignature.Refusal.malformed) {
      try other.verify("t=1000,v1=abc", method: "POST", path: path, body: body)
    }
    let late = WebhookSignature(secret: "s3cret", now: { Date(timeIntervalSince1970: 1_301) })
    #expect(throws: WebhookSignature.Refusal.expired(ageSeconds: 301, toleranceSeconds: 300)) {
      try late.verify(signature, method: "POST", path: path, body: body)
    }
    let lenient = WebhookSignature(
      secret: "s3cret", tolerance: 400, now: { Date(timeIntervalSince1970: 1_301) })
    try lenient.verify(signature, method: "POST", path: path, body: body)
    // The body-only form only with legacy signatures accepted.
    let legacy = signer.signLegacy(body)
    #expect(throws: WebhookSignature.Refusal.legacyNotAccepted) {
      try other.verify(legacy, method: "POST", path: path, body: body)
    }
    let accepting = WebhookSignature(secret: "s3cret", acceptsLegacy: true)
    try accepting.verify(legacy, method: "POST", path: "/anything", body: body)
    // A known vector: HMAC-SHA256("key", "The quick brown fox jumps over the lazy dog").
    #expect(
      WebhookSignature(secret: "key").signLegacy(
        Data("The quick brown fox jumps over the lazy dog".utf8))
        == "sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8")
  }

  /// The hex HMAC-SHA256 `openssl dgst -sha256 -hmac` prints, as the docs sign with it.
  static func opensslHMAC(key: String, message: String) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = [
      "-c", "printf '%s' \"$MESSAGE\" | openssl dgst -sha256 -hmac \"$KEY\" | sed 's/^.* //'",
    ]
    process.environment = ["MESSAGE": message, "KEY": key, "PATH": "/usr/bin:/bin"]
    let output = Pipe()
    process.standardOutput = output
    try process.run()
    process.waitUntilExit()
    let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    return text.trimmingCharacters(in: .whitespacesAndNewlines)
  }
}

@Suite struct StoringModelSourceTests {
  @Test func everyLiveAnswerIsRecordedAndNeverReplayed() async throws {
    let upstream = try await ProviderServer { _, _ in
      .json(ProviderResponses.openAIToolCall(name: "list_git_tags", arguments: [:]))
    }
    let cassette = InMemoryCassette()
    let source = StoringModelSource(
      live: LiveModelSource(client: OpenAIChatClient(baseURL: upstream.baseURL, apiKey: "sk-x")),
      cassette: cassette, clock: { "2026-11-20T10:00:00Z" })
    let request = ModelRequest(
      provider: .openai,
      body: ["model": "m", "messages": [["role": "user", "content": "ship it"]]], thread: "t1")
    let first = try await source.respond(to: request)
    let second = try await source.respond(to: request)
    await upstream.stop()

    #expect(upstream.received.count == 2)
    #expect(first.n == 0)
    #expect(second.n == 1)
    let recorded = try cassette.exchanges(forKey: request.key)
    #expect(recorded.map(\.n) == [0, 1])
    #expect(recorded.first?.thread == "t1")
    #expect(recorded.first?.usage == TokenUsage(inputTokens: 412, outputTokens: 23))
  }
}
