import Foundation
import RefoldCore
import Testing

@testable import RefoldModels

/// Records and replays decisions of a real local model (opt-in).
///
/// `REFOLD_LIVE_BASE_URL=http://127.0.0.1:8088/v1` (from `scripts/local-model.sh`) records
/// three decision points of a deploy-bot thread through ``RecordingModelSource`` into
/// `REFOLD_LIVE_CASSETTE` (a temporary file when unset) and replays them. With only
/// `REFOLD_LIVE_CASSETTE` set (the server stopped), the replay test answers from that file
/// and checks the decisions recorded beside it.
@Suite(.serialized) struct LiveModelTests {
  static let environment = ProcessInfo.processInfo.environment

  /// A deploy that goes well; the model decides after events 0..<k for each k.
  static let thread: [Event] =
    Support.deployThread + [
      Event(
        thread: "deploy-001", seq: 3, type: "deploy_backend",
        data: ["tag": "v1.4.2", "environment": "production"]),
      Event(
        thread: "deploy-001", seq: 4, type: "approval", data: ["approved": true, "by": "@sam"]),
      Event(
        thread: "deploy-001", seq: 5, type: "deploy_backend_result",
        data: ["status": "deployed", "tag": "v1.4.2"]),
    ]
  static let decisionPoints = [1, 3, 6]

  static func cassettePath() throws -> String {
    try environment["REFOLD_LIVE_CASSETTE"] ?? (Support.temporaryDirectory() + "/live.jsonl")
  }

  static func summary(_ decision: Decision) -> String {
    switch decision.outcome {
    case .intent(let intent): return "\(intent.name) \(intent.parameters.canonicalString)"
    case .failure(let message): return "failure: \(message)"
    }
  }

  @Test(.enabled(if: environment["REFOLD_LIVE_BASE_URL"] != nil))
  func recordsAndReplaysARealModel() async throws {
    var spec = try AgentSpecLoader(environment: Self.environment).load(path: Support.deploybotPath)
    spec.model.baseURL = Self.environment["REFOLD_LIVE_BASE_URL"]
    let options = ClientOptions(
      timeout: 900, maxConcurrentRequests: 1, retry: RetryPolicy(maxAttempts: 2))
    let path = try Self.cassettePath()
    let recording = RecordingModelSource(
      live: try LiveModelSource(settings: spec.model, options: options),
      cassette: try JSONLCassette(path: path))
    let recorder = try ModelDecider(spec: spec, source: recording)
    var recorded: [Decision] = []
    for k in Self.decisionPoints {
      let decision = try await recorder.decide(
        thread: "deploy-001", events: Array(Self.thread.prefix(k)))
      recorded.append(decision)
      print(
        "live decision after \(k) events: \(Self.summary(decision)); "
          + "latency \(decision.latencyMilliseconds ?? -1) ms; "
          + "tokens \(decision.usage.map { "\($0.inputTokens) in / \($0.outputTokens) out" } ?? "?")"
      )
    }
    let sidecar = JSONValue.array(recorded.map { .string(Self.summary($0)) })
    try sidecar.canonicalString.write(
      toFile: path + ".decisions.json", atomically: true, encoding: .utf8)

    let replayer = try ModelDecider(
      spec: spec, source: RecordedModelSource(cassette: try JSONLCassette(path: path)))
    for (index, k) in Self.decisionPoints.enumerated() {
      let again = try await replayer.decide(
        thread: "deploy-001", events: Array(Self.thread.prefix(k)))
      #expect(again.outcome == recorded[index].outcome)
      #expect(again.exchangeKey == recorded[index].exchangeKey)
      #expect(again.rawResponse == recorded[index].rawResponse)
    }
  }

  @Test(
    .enabled(
      if: environment["REFOLD_LIVE_CASSETTE"] != nil && environment["REFOLD_LIVE_BASE_URL"] == nil))
  func replaysARecordedRealModelWithTheServerStopped() async throws {
    let path = try Self.cassettePath()
    var spec = try AgentSpecLoader(environment: [:]).load(path: Support.deploybotPath)
    spec.model.baseURL = "http://127.0.0.1:9/v1"
    let expected = try JSONParser.parse(
      String(contentsOfFile: path + ".decisions.json", encoding: .utf8))
    let replayer = try ModelDecider(
      spec: spec, source: RecordedModelSource(cassette: try JSONLCassette(path: path)))
    var replayed: [JSONValue] = []
    for k in Self.decisionPoints {
      let decision = try await replayer.decide(
        thread: "deploy-001", events: Array(Self.thread.prefix(k)))
      replayed.append(.string(Self.summary(decision)))
      print("replayed decision after \(k) events: \(Self.summary(decision))")
    }
    #expect(JSONValue.array(replayed) == expected)
  }
}
