import DeployAgent
import RefoldCore
import RefoldTesting
import Testing

/// The agent's loop and tools against the scripted model over HTTP on 127.0.0.1.
@Suite struct AgentLoopTests {
  @Test func listsTheTagsThenWaitsForApprovalOfTheNewest() async throws {
    let server = try await ScriptedModel.start()
    defer { Task { await server.stop() } }
    let tools = DeployTools(
      listTags: { ["v2.0.1", "v2.0.0"] }, deploy: { tag, _ in "dep-\(tag)" })
    let agent = try DeployAgent(specPath: Paths.spec, tools: tools)
    let loop = agent.loop(decider: try agent.modelDecider(baseURL: server.baseURL))
    let request = Event(
      thread: "deploy-1", seq: 0, type: "slack_message",
      data: ["from": "@ana", "text": "ship the latest backend to staging"])

    let result = try await loop.advance(thread: "deploy-1", events: [request])

    // The events the loop appended after the request.
    #expect(
      result.events.map(\.type) == ["list_git_tags", "list_git_tags_result", "deploy_backend"])
    #expect(result.events.last?.data == ["tag": "v2.0.1", "environment": "staging"])
    #expect(result.state.status == .awaitingApproval)
    #expect(server.received.count == 2)
    #expect(server.received.allSatisfy { $0.path == "/v1/chat/completions" })
  }
}
