import Foundation
import RefoldCLI
import RefoldCore
import RefoldReport
import RefoldServer
import RefoldStore
import RefoldTestSupport
import Testing

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

/// `refold proxy`, `serve`, `promote` and `import --otel` end to end: the commands run as the
/// CLI runs them, listen on 127.0.0.1, talk to a model server on 127.0.0.1, and leave files
/// that `refold eval` reads.
@Suite(.serialized) struct RecordingCommandTests {
  static let secret = "whsec-cli-test-5d41402abc4b2a76"
  static let plantedKey = "sk-LIVE0123456789abcdefXYZ"

  /// A chat completion asking SmolLM2 for a `next_step` tool call, as the deploy bot does;
  /// what the proxy tests send through `refold proxy`.
  static let nextStepRequest: JSONValue = [
    "model": "smollm2-135m-instruct", "temperature": 0,
    "messages": [["role": "user", "content": "ship latest backend"]],
    "tools": [
      [
        "type": "function",
        "function": [
          "name": "next_step",
          "parameters": [
            "type": "object", "required": ["intent"],
            "properties": [
              "intent": ["type": "string", "enum": ["list_git_tags", "done_for_now"]]
            ],
          ],
        ],
      ]
    ],
  ]

  static let plantedEmail = "oncall.lead@example.com"
  static let plantedCustomer = "cus_8812733"

  func refold(_ arguments: [String], environment: [String: String] = [:]) async
    -> (code: Int32, stdout: String, stderr: String)
  {
    let stdout = CapturedOutput()
    let stderr = CapturedOutput()
    let code = await CLI.run(
      arguments: arguments, stdout: stdout, stderr: stderr, environment: environment)
    return (code, stdout.text, stderr.text)
  }

  /// A command that listens (`proxy`, `serve`) running in a task, with the base URL it
  /// printed.
  struct Listening {
    let task: Task<Int32, Never>
    let stdout: CapturedOutput
    let stderr: CapturedOutput
    let baseURL: String

    static func start(_ arguments: [String], environment: [String: String] = [:]) async throws
      -> Listening
    {
      let stdout = CapturedOutput()
      let stderr = CapturedOutput()
      let task = Task {
        let code = await CLI.run(
          arguments: arguments, stdout: stdout, stderr: stderr, environment: environment)
        stdout.close()
        return code
      }
      // The command prints the address it bound (port 0: the one the system gave it), or
      // exits.
      let text = await stdout.waitForText { Listening.baseURL(in: $0) != nil }
      if let baseURL = Listening.baseURL(in: text) {
        return Listening(task: task, stdout: stdout, stderr: stderr, baseURL: baseURL)
      }
      let code = await task.value
      Issue.record("refold \(arguments[0]) did not listen (exit \(code)): \(stderr.text)")
      throw CancellationError()
    }

    /// The first `http://127.0.0.1:PORT` in `text`.
    static func baseURL(in text: String) -> String? {
      text.firstMatch(of: /http:\/\/127\.0\.0\.1:[0-9]+/).map { String($0.output) }
    }

    /// Stops the command as an interrupt would and returns its exit code.
    func stop() async -> Int32 {
      task.cancel()
      return await task.value
    }
  }

  struct Answer {
    var status: Int
    var headers: [String: String]
    var body: Data
    var json: JSONValue? { try? JSONParser.parse(bytes: [UInt8](body)) }
  }

  func send(_ url: String, _ body: Data? = nil, headers: [String: String] = [:]) async throws
    -> Answer
  {
    var request = URLRequest(url: try #require(URL(string: url)), timeoutInterval: 60)
    request.httpMethod = body == nil ? "GET" : "POST"
    request.httpBody = body
    for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
    let (data, response) = try await URLSession.shared.data(for: request)
    let http = try #require(response as? HTTPURLResponse)
    var fields: [String: String] = [:]
    for case (let name as String, let value as String) in http.allHeaderFields {
      fields[name.lowercased()] = value
    }
    return Answer(status: http.statusCode, headers: fields, body: data)
  }

  /// A body and its `X-Refold-Signature` header for `POST path`, signed now with `secret`.
  func signed(_ value: JSONValue, path: String, secret: String = Self.secret)
    -> (Data, [String: String])
  {
    let body = Data(value.canonicalString.utf8)
    let now = Int64(Date().timeIntervalSince1970)
    return (
      body,
      [
        WebhookSignature.header: WebhookSignature(secret: secret).sign(
          method: "POST", path: path, body: body, timestamp: now),
        "Content-Type": "application/json",
      ]
    )
  }

  /// A suite with the deploy-bot agent, no fixtures yet, an empty expectations file and
  /// redaction rules for emails, API keys and customer ids; plus a tools file.
  func emptySuite() throws -> TemporaryDirectory {
    let directory = try TemporaryDirectory()
    let manager = FileManager.default
    for folder in ["suite/prompts", "suite/threads", "tools"] {
      try manager.createDirectory(
        atPath: directory.path(folder), withIntermediateDirectories: true)
    }
    for file in ["agent.yaml", "prompts/default.mustache"] {
      try manager.copyItem(
        atPath: "\(EvalCommandTests.repository)/evals/deploybot/\(file)",
        toPath: directory.path("suite/\(file)"))
    }
    try directory.write(
      "suite/suite.yaml",
      """
      name: promoted
      agent: agent.yaml
      variants:
        baseline: {}
      fixtures: [threads/*.jsonl]
      expectations: expectations.yaml
      cassette: cassettes/{variant}.jsonl
      modes: [step]
      redaction:
        - {pattern: "[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\\\.[A-Za-z]{2,}", replace: "<email>"}
        - {pattern: "sk-[A-Za-z0-9]{16,}", replace: "<api-key>"}
        - {path: $.data.customer_id, replace: "<customer>"}

      """)
    try directory.write("suite/expectations.yaml", "")
    // One tool named in the spec, one in a tools file.
    let agent = try String(contentsOfFile: directory.path("suite/agent.yaml"), encoding: .utf8)
    let listing = "  list_git_tags:\n    kind: sync\n"
    #expect(agent.contains(listing))
    try directory.write(
      "suite/agent.yaml",
      agent.replacingOccurrences(
        of: listing,
        with: listing + "    command: echo '{\"tags\":[\"v1.4.2\",\"v1.4.1\"]}'\n    timeout: 5\n"))
    try directory.write(
      "tools/tools.yaml",
      """
      timeout: 10
      tools:
        deploy_backend: cat > deploy-input.json; echo '{"status":"deployed"}'

      """)
    return directory
  }

  /// The stores `serve` runs on here: an SQLite file, and a PostgreSQL database when a
  /// server could be started.
  static var serveStores: [String] {
    PostgresTestServer.shared == nil ? ["sqlite"] : ["sqlite", "postgresql"]
  }

  @Test(arguments: serveStores)
  func servedThreadPausesResumesAfterARestartAndPromotesIntoASuiteThatEvaluates(store: String)
    async throws
  {
    let directory = try emptySuite()
    let db =
      store == "sqlite"
      ? directory.path("production.sqlite") : try PostgresTestServer.freshDatabaseURL()
    let model = try await EvalCommandTests.startModel()
    let serveArguments = [
      "serve", "--spec", directory.path("suite/agent.yaml"),
      "--tools", directory.path("tools/tools.yaml"), "--db", db, "--listen", "127.0.0.1:0",
      "--webhook-secret-env", "DEPLOY_WEBHOOK_SECRET", "--base-url", model.baseURL,
    ]
    let environment = ["DEPLOY_WEBHOOK_SECRET": Self.secret]

    // Launch: the thread lists the tags and pauses before deploying.
    var server = try await Listening.start(serveArguments, environment: environment)
    #expect(server.stdout.text.contains("webhooks signed"))
    let trigger: JSONValue = [
      "thread": "prod-incident-7",
      "events": [
        [
          "type": "slack_message",
          "data": [
            "from": "@alex", "channel": "#deploys", "customer_id": .string(Self.plantedCustomer),
            "text": .string(
              "ship latest backend to staging for \(Self.plantedCustomer), page "
                + "\(Self.plantedEmail) if it breaks; token \(Self.plantedKey)"),
          ],
        ]
      ],
    ]
    let (launchBody, launchHeaders) = signed(trigger, path: "/threads")
    let launched = try await send(server.baseURL + "/threads", launchBody, headers: launchHeaders)
    #expect(launched.status == 201, "\(String(decoding: launched.body, as: UTF8.self))")
    #expect(launched.json?["status"] == "awaiting_approval")
    #expect(launched.json?["waiting_for"]?["event"] == "approval")
    #expect(await server.stop() == 0)

    // Restart on the same store; a forged approval changes nothing, a signed one resumes.
    server = try await Listening.start(serveArguments, environment: environment)
    let approval: JSONValue = ["type": "approval", "data": ["approved": true, "by": "@sam"]]
    let (approvalBody, headers) = signed(approval, path: "/threads/prod-incident-7/events")
    let (_, forged) = signed(
      approval, path: "/threads/prod-incident-7/events", secret: "not-the-secret")
    let eventsURL = server.baseURL + "/threads/prod-incident-7/events"
    let refused = try await send(eventsURL, approvalBody, headers: forged)
    #expect(refused.status == 401)
    let waiting = try await send(server.baseURL + "/threads/prod-incident-7")
    #expect(waiting.json?["events"]?.arrayValue?.count == 4)
    let resumed = try await send(eventsURL, approvalBody, headers: headers)
    #expect(resumed.status == 200)
    #expect(resumed.json?["status"] == "done")
    #expect(await server.stop() == 0)
    await model.stop()

    let shown = await refold(["show", "prod-incident-7", "--db", db])
    #expect(shown.code == 0, "\(shown.stderr)")
    for type in ["list_git_tags_result", "deploy_backend", "approval", "done_for_now"] {
      #expect(shown.stdout.contains(type))
    }
    let deployed = try String(
      contentsOfFile: directory.path("tools/deploy-input.json"), encoding: .utf8)
    #expect(try JSONParser.parse(deployed) == ["tag": "v1.4.2", "environment": "staging"])

    // Promote: the fixture and the cassette lose the planted secrets.
    let promoted = await refold([
      "promote", "prod-incident-7", "--suite", directory.path("suite"), "--db", db,
    ])
    #expect(promoted.code == 0, "\(promoted.stderr)")
    #expect(promoted.stdout.contains("3 exchanges"))
    let fixture = try String(
      contentsOfFile: directory.path("suite/threads/prod-incident-7.jsonl"), encoding: .utf8)
    let cassette = try String(
      contentsOfFile: directory.path("suite/cassettes/baseline.jsonl"), encoding: .utf8)
    #expect(fixture.split(separator: "\n").count == 7)
    #expect(cassette.split(separator: "\n").count == 3)
    for planted in [Self.plantedKey, Self.plantedEmail, Self.plantedCustomer, Self.secret] {
      #expect(!fixture.contains(planted), "\(planted) left in the fixture")
      #expect(!cassette.contains(planted), "\(planted) left in the cassette")
    }
    #expect(fixture.contains("<email>") && fixture.contains("<api-key>"))
    #expect(fixture.contains("<customer>") && cassette.contains("<customer>"))
    let stub = try String(
      contentsOfFile: directory.path("suite/expectations.yaml"), encoding: .utf8)
    #expect(stub.contains("prod-incident-7"))

    // The promoted suite replays from its cassette with no model and every decision right.
    let evaluated = await refold([
      "eval", directory.path("suite"), "--db", directory.path("eval.sqlite"), "--out",
      directory.path("report"),
    ])
    #expect(evaluated.code == 0, "\(evaluated.stderr)")
    let summary = try ResultsReader.read(from: directory.path("report/results.json")).summary
    #expect(summary.intentAccuracy.passed == 3)
    #expect(summary.intentAccuracy.total == 3)
  }

  @Test func badServeAndProxyInputIsOneLineAndExitTwo() async throws {
    let directory = try TemporaryDirectory()
    let spec = "\(EvalCommandTests.repository)/evals/deploybot/agent.yaml"
    let tools = try directory.write("tools.yaml", "tools: {list_git_tags: [unclosed\n")
    let cases: [([String], String)] = [
      (["serve", "--spec", directory.path("missing.yaml")], "missing.yaml: no such file"),
      (["serve", "--spec", spec, "--tools", tools], "tools.yaml: invalid YAML at 2:1"),
      (["serve", "--spec", spec, "--listen", "127.0.0.1:70000"], "is not a listen address"),
      (["proxy", "--upstream", "ftp//nowhere"], "is not an upstream URL"),
      (
        ["promote", "nothing-here", "--suite", directory.path("none")],
        "no event store at \(directory.path("db-0.sqlite"))"
      ),
    ]
    for (arguments, message) in cases {
      // A fresh store each: nothing is created before the input is refused.
      let outcome = await refold(arguments + ["--db", directory.path("db-0.sqlite")])
      #expect(!FileManager.default.fileExists(atPath: directory.path("db-0.sqlite")))
      #expect(outcome.code == 2, "\(arguments): \(outcome.stderr)")
      #expect(outcome.stderr.contains(message), "\(arguments): \(outcome.stderr)")
      #expect(outcome.stderr.split(separator: "\n").count == 1, "\(outcome.stderr)")
    }
  }

  @Test func proxyForwardsRecordsTheDecisionAndNeverStoresTheKey() async throws {
    let directory = try TemporaryDirectory()
    let db = directory.path("proxy.sqlite")
    let model = try await EvalCommandTests.startModel()
    let proxy = try await Listening.start([
      "proxy", "--upstream", model.baseURL, "--listen", "127.0.0.1:0", "--db", db, "--spec",
      "\(EvalCommandTests.repository)/evals/deploybot/agent.yaml",
    ])

    let input: JSONValue = [
      ["type": "slack_message", "data": ["from": "@alex", "text": "ship latest backend"]]
    ]
    let posted = try await send(
      proxy.baseURL + "/refold/threads/prod-001/events", Data(input.canonicalString.utf8),
      headers: ["Content-Type": "application/json"])
    #expect(posted.status == 200 || posted.status == 201)

    let request = Self.nextStepRequest
    let answer = try await send(
      proxy.baseURL + "/v1/chat/completions", Data(request.canonicalString.utf8),
      headers: [
        "Authorization": "Bearer \(Self.plantedKey)", "X-Refold-Thread": "prod-001",
        "Content-Type": "application/json",
      ])
    #expect(answer.status == 200)
    #expect(answer.json?["id"] == "chatcmpl-9x")
    #expect(answer.headers["x-refold-exchange"]?.count == 64)
    #expect(await proxy.stop() == 0)
    await model.stop()

    let exported = await refold(["export", "prod-001", "--db", db])
    #expect(exported.code == 0, "\(exported.stderr)")
    let events = try exported.stdout.split(separator: "\n").map { try JSONParser.parse(String($0)) }
    #expect(events.map { $0["type"] } == ["slack_message", "list_git_tags"])
    #expect(
      events.last?["meta"]?["exchange_key"]?.stringValue == answer.headers["x-refold-exchange"])
    for file in [db, db + "-wal"] where FileManager.default.fileExists(atPath: file) {
      let bytes = try Data(contentsOf: URL(fileURLWithPath: file))
      #expect(bytes.range(of: Data(Self.plantedKey.utf8)) == nil, "the key is in \(file)")
    }
  }

  /// One conversation with the current GenAI attributes and one with the deprecated ones.
  static let traces = #"""
    {"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"deploybot"}}]},
     "scopeSpans":[{"scope":{"name":"opentelemetry.instrumentation.openai"},"spans":[
      {"traceId":"4bf92f3577b34da6a3ce929d0e0e4736","spanId":"00f067aa0ba902b7","name":"chat gpt-4o",
       "startTimeUnixNano":"1763632800000000000","endTimeUnixNano":"1763632800900000000",
       "attributes":[
        {"key":"gen_ai.operation.name","value":{"stringValue":"chat"}},
        {"key":"gen_ai.provider.name","value":{"stringValue":"openai"}},
        {"key":"gen_ai.conversation.id","value":{"stringValue":"otel-current"}},
        {"key":"gen_ai.request.model","value":{"stringValue":"gpt-4o"}},
        {"key":"gen_ai.input.messages","value":{"stringValue":"[{\"role\":\"user\",\"parts\":[{\"type\":\"text\",\"content\":\"what runs in production?\"}]}]"}},
        {"key":"gen_ai.output.messages","value":{"stringValue":"[{\"role\":\"assistant\",\"parts\":[{\"type\":\"tool_call\",\"id\":\"call_1\",\"name\":\"check_deployment_status\",\"arguments\":{\"service\":\"backend\",\"environment\":\"production\"}}]}]"}},
        {"key":"gen_ai.usage.input_tokens","value":{"intValue":"210"}},
        {"key":"gen_ai.usage.output_tokens","value":{"intValue":"14"}}]},
      {"traceId":"7a3c1e0f9b2d4c6e8f1a3b5c7d9e0f12","spanId":"1a2b3c4d5e6f7081","name":"openai.chat",
       "startTimeUnixNano":"1763632900000000000","endTimeUnixNano":"1763632900500000000",
       "attributes":[
        {"key":"gen_ai.system","value":{"stringValue":"openai"}},
        {"key":"gen_ai.request.model","value":{"stringValue":"gpt-4o-mini"}},
        {"key":"gen_ai.prompt.0.role","value":{"stringValue":"user"}},
        {"key":"gen_ai.prompt.0.content","value":{"stringValue":"deploy v1.4.2 frontend to staging"}},
        {"key":"gen_ai.completion.0.role","value":{"stringValue":"assistant"}},
        {"key":"gen_ai.completion.0.tool_calls.0.name","value":{"stringValue":"deploy_frontend"}},
        {"key":"gen_ai.completion.0.tool_calls.0.arguments","value":{"stringValue":"{\"tag\":\"v1.4.2\",\"environment\":\"staging\"}"}},
        {"key":"gen_ai.usage.prompt_tokens","value":{"intValue":"90"}},
        {"key":"gen_ai.usage.completion_tokens","value":{"intValue":"11"}}]}
     ]}]}]}
    """#

  @Test func otelImportTurnsConversationsIntoThreadsAndRefusesABrokenFile() async throws {
    let directory = try TemporaryDirectory()
    let db = directory.path("otel.sqlite")
    let file = try directory.write("traces.json", Self.traces)
    let imported = await refold(["import", "--otel", file, "--db", db])
    #expect(imported.code == 0, "\(imported.stderr)")
    #expect(imported.stdout.contains("2 model calls, 2 threads"))

    let current = await refold(["export", "otel-current", "--db", db])
    #expect(current.code == 0, "\(current.stderr)")
    let currentEvents = try current.stdout.split(separator: "\n").map {
      try JSONParser.parse(String($0))
    }
    #expect(currentEvents.map { $0["type"] } == ["user_input", "check_deployment_status"])
    #expect(currentEvents.last?["data"] == ["service": "backend", "environment": "production"])
    #expect(currentEvents.last?["meta"]?["exchange_key"]?.stringValue?.count == 64)

    let deprecated = await refold([
      "export", "7a3c1e0f9b2d4c6e8f1a3b5c7d9e0f12", "--db", db,
    ])
    #expect(deprecated.code == 0, "\(deprecated.stderr)")
    #expect(deprecated.stdout.contains(#""type":"deploy_frontend""#))
    #expect(deprecated.stdout.contains(#""data":{"environment":"staging","tag":"v1.4.2"}"#))

    // A good file next to a broken one: nothing of either is written, and no store is made.
    let broken = try directory.write("broken.json", #"{"resourceSpans": [ {"scopeSpans": "#)
    let fresh = directory.path("fresh.sqlite")
    let pair = await refold(["import", "--otel", file, broken, "--db", fresh])
    #expect(pair.code == 2)
    #expect(pair.stderr.contains("broken.json"))
    #expect(!FileManager.default.fileExists(atPath: fresh))

    let before = await refold(["threads", "--db", db])
    let refused = await refold(["import", "--otel", broken, "--db", db])
    #expect(refused.code == 2)
    #expect(refused.stderr.contains("broken.json"))
    #expect(refused.stderr.split(separator: "\n").count == 1)
    let after = await refold(["threads", "--db", db])
    #expect(after.stdout == before.stdout)
  }
}
