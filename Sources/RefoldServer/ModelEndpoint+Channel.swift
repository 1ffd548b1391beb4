import RefoldModels

extension ModelEndpoint {
  /// One variant's view of the endpoint, as an ``ExternalAgentDecider`` uses it.
  struct Channel: AgentModelEndpoint {
    let endpoint: ModelEndpoint
    let route: Route

    func openSlot() async throws -> AgentModelSlot { try await endpoint.openSlot(route) }

    func begin(slot: String, thread: String, step: Int, session: Int) {
      endpoint.begin(slot: slot, thread: thread, step: step, session: session)
    }

    func finish(slot: String) -> AgentModelCalls { endpoint.finish(slot: slot) }

    func closeSlot(_ slot: String) { endpoint.closeSlot(slot) }
  }
}
