import Foundation
import RefoldCore
import RefoldEval
import RefoldModels
import RefoldServer
import RefoldShared
import RefoldStore
import RefoldTesting
import Testing

@Suite struct PromoterTests {
  static let email = "dana.whitfield@example-customer.com"
  static let token = "sk-live-4f9a8b7c6d5e4f3a2b1c"
  static let customer = "cust-7731-2209"

  /// A suite in a temporary directory that uses the repository's deploy-bot agent.
  static func makeSuite(expectations: String = "# expectations for promoted threads\n") throws
    -> String
  {
    let directory = try Support.temporaryDirectory()
    let suite = directory + "/evals/prod"
    try FileManager.default.createDirectory(
      atPath: suite + "/fixtures", withIntermediateDirectories: true)
    let seed = Support.packageRoot + "/fixtures/deploybot/threads/clarify-tag-rc-or-stable.jsonl"
    try FileManager.default.copyItem(atPath: seed, toPath: suite + "/fixtures/seed.jsonl")
    try expectations.write(toFile: suite + "/expectations.yaml", atomically: true, encoding: .utf8)
    try """
    agent: \(Support.deploybotPath)
    fixtures: [fixtures/*.jsonl]
    cassette: cassettes/{variant}.jsonl
    expectations: expectations.yaml
    redaction:
      - {pattern: "[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\\\.[A-Za-z]{2,}", replace: "<email>"}
      - {pattern: "sk-[A-Za-z0-9_-]{8,}", replace: "<api-key>"}
      - {path: $.data.customer_id, replace: "<customer>"}
      - {path: $.data.channel, pattern: "[a-z]+", replace: "team"}
    """.write(toFile: suite + "/suite.yaml", atomically: true, encoding: .utf8)
    return suite
  }

  /// Records a thread as serve would: events in the store, each decision's exchange in the
  /// store's cassette under the key its rendered request has.
  static func record(into database: RefoldDatabase) throws -> AgentSpec {
    let spec = try Support.deploybot()
    let builder = try RequestBuilder(spec: spec)
    let store = SQLiteEventStore(database: database, reducer: spec.reducer)
    let cassette = SQLiteCassetteStore(database: database)
    var events: [Event] = [
      Event(
        thread: "prod-0193", seq: 0, type: "slack_message",
        data: [
          "from": .string(email), "channel": "#deploys",
          "text": .string("ship latest backend to staging, token \(token) if needed"),
          "customer_id": .string(customer),
        ])
    ]
    let decisions: [(String, JSONValue, JSONValue?)] = [
      ("list_git_tags", [:], ["tags": ["v1.4.2", "v1.4.1"]]),
      ("deploy_backend", ["tag": "v1.4.2", "environment": "staging"], nil),
    ]
    for (name, parameters, result) in decisions {
      let request = try builder.request(thread: "prod-0193", events: events)
      let response = ProviderResponses.openAIToolCall(
        name: "next_step",
        arguments: .object(
          (parameters.objectValue ?? [:]).merging(["intent": .string(name)]) { a, _ in a }))
      try cassette.append(
        Exchange(
          key: request.key, n: 0, provider: "openai",
          request: CassetteKey.canonicalRequest(request.body), response: response,
          latencyMilliseconds: 812, usage: TokenUsage(inputTokens: 400, outputTokens: 20),
          recordedAt: "2026-11-20T10:00:01Z", thread: "prod-0193"))
      events.append(
        Event(
          thread: "prod-0193", seq: events.count, type: name, data: parameters,
          meta: ["exchange_key": .string(request.key), "exchange_n": 0]))
      if let result {
        events.append(
          Event(thread: "prod-0193", seq: events.count, type: name + "_result", data: result))
      }
    }
    try store.append(
      events.map {
        EventLine(thread: $0.thread, seq: $0.seq, type: $0.type, data: $0.data, meta: $0.meta)
      })
    return spec
  }

  @Test func promotedFixturesLoseTheSecretsAndReplayFromTheCassette() async throws {
    let suitePath = try Self.makeSuite()
    let database = try RefoldDatabase(path: try Support.temporaryDirectory() + "/db.sqlite")
    let spec = try Self.record(into: database)
    let promoter = Promoter(
      events: SQLiteEventStore(database: database),
      cassette: SQLiteCassetteStore(database: database),
      loadSuite: {
        try SuiteLoader(
          loadAgent: { try AgentSpecLoader(environment: [:]).load(path: $0, patch: $1) },
          requiresFixtures: false
        ).load($0)
      },
      openCassette: { try JSONLCassette(path: $0) })

    let summary = try promoter.promote(thread: "prod-0193", suite: suitePath)
    #expect(summary.fixture == suitePath + "/fixtures/prod-0193.jsonl")
    #expect(summary.cassette == suitePath + "/cassettes/default.jsonl")
    #expect(summary.events == 4)
    #expect(summary.exchanges == 2)
    #expect(summary.rekeyed == 2)
    #expect(summary.missing.isEmpty)
    #expect(summary.notes.isEmpty)

    // The planted secrets are gone from both files.
    let fixtureText = try String(contentsOfFile: summary.fixture, encoding: .utf8)
    let cassetteText = try String(contentsOfFile: summary.cassette, encoding: .utf8)
    for text in [fixtureText, cassetteText] {
      #expect(!text.contains(Self.email))
      #expect(!text.contains(Self.token))
      #expect(!text.contains(Self.customer))
    }
    #expect(fixtureText.contains("<email>"))
    #expect(fixtureText.contains("<api-key>"))
    #expect(fixtureText.contains("\"customer_id\":\"<customer>\""))
    #expect(cassetteText.contains("<email>"))
    // A rule with a path and a pattern redacts the fixture and the cassette alike.
    #expect(fixtureText.contains("\"channel\":\"#team\""))
    #expect(!fixtureText.contains("deploys") && !cassetteText.contains("deploys"))
    #expect(cassetteText.contains("#team"))

    // Every line parses; the eval's loaders accept fixture, cassette and suite.
    for line in fixtureText.split(separator: "\n") {
      _ = try EventLine.parse(String(line))
    }
    let threads = try FixtureLoader.load([summary.fixture])
    #expect(
      threads.first?.map(\.type) == [
        "slack_message", "list_git_tags", "list_git_tags_result", "deploy_backend",
      ])
    let suite = try SuiteLoader(loadAgent: {
      try AgentSpecLoader(environment: [:]).load(path: $0, patch: $1)
    })
    .load(suitePath)
    #expect(suite.fixtureFiles.contains(summary.fixture))
    #expect(suite.expectations.entries.contains { $0.thread == "prod-0193" })

    // Step replay of the redacted fixture finds each decision's exchange under its new key.
    let fixture = try #require(threads.first)
    let decider = try ModelDecider(
      spec: spec, source: RecordedModelSource(cassette: try JSONLCassette(path: summary.cassette)))
    for index in [1, 3] {
      let decision = try await decider.decide(thread: "prod-0193", events: Array(fixture[..<index]))
      #expect(
        decision.outcome
          == .intent(Intent(name: fixture[index].type, parameters: fixture[index].data)))
      #expect(decision.exchangeKey == fixture[index].meta?["exchange_key"]?.stringValue)
    }

    // Promoting again under the same name is refused; under another name it works.
    #expect(throws: ServerError.self) {
      try promoter.promote(thread: "prod-0193", suite: suitePath)
    }
    let again = try promoter.promote(thread: "prod-0193", suite: suitePath, as: "prod-0193-b")
    #expect(again.exchanges == 2)
    #expect(try JSONLCassette(path: summary.cassette).allExchanges().map(\.n) == [0, 0, 1, 1])
  }

  @Test func redactionRulesAreCheckedAndApplyByPathAndPattern() throws {
    #expect(throws: ServerError.self) {
      try RedactionRule.rules(yaml: #"- {pattern: "(unclosed"}"#, file: "suite.yaml")
    }
    #expect(throws: ServerError.self) {
      try RedactionRule.rules(yaml: "- {replace: x}", file: "suite.yaml")
    }
    #expect(
      throws: ServerError.invalidRedaction(
        file: "suite.yaml:2", rule: 1,
        reason:
          "with: unknown key (did you mean path?); expected one of path, pattern, replace, replacement"
      )
    ) {
      try RedactionRule.rules(yaml: "- {pattern: x}\n- {path: data.a, with: x}", file: "suite.yaml")
    }
    let rules = try RedactionRule.rules(
      yaml: """
        - {path: "data.users[*].email", replace: "<email>"}
        - {path: data.text, pattern: "@[a-z]+", replace: "@someone"}
        """, file: "suite.yaml")
    let event = Event(
      thread: "t", seq: 0, type: "webhook",
      data: [
        "users": [["email": "a.person@corp.io", "id": 1], ["email": "b.person@corp.io"]],
        "text": "ping @alex about a.person@corp.io", "other": "@alex stays",
      ])
    let exchange = Exchange(
      key: "k", n: 0, provider: "openai",
      request: ["messages": [["role": "user", "content": "a.person@corp.io asked @alex"]]],
      response: [:], recordedAt: "2026-11-20T10:00:00Z")
    let (events, exchanges) = Redactor(rules: rules).redact(events: [event], exchanges: [exchange])
    #expect(
      events[0].data == [
        "users": [["email": "<email>", "id": 1], ["email": "<email>"]],
        "text": "ping @someone about <email>", "other": "@someone stays",
      ])
    // The texts the scoped pattern matched are gone from the exchange too, and only those.
    #expect(
      exchanges[0].request
        == ["messages": [["role": "user", "content": "<email> asked @someone"]]])
  }
}
