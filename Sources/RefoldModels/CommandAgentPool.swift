import Foundation

/// The running processes of one command agent: one per concurrency slot, started when a slot
/// first asks and started again after a crash, a hang or garbage.
actor CommandAgentPool {
  private let command: [String]
  private let environment: [String: String]
  private let directory: String?
  private let modelEndpoint: (any AgentModelEndpoint)?
  private var idle: [AgentProcess] = []

  init(
    command: [String], environment: [String: String], directory: String?,
    modelEndpoint: (any AgentModelEndpoint)? = nil
  ) {
    self.modelEndpoint = modelEndpoint
    self.command = command
    self.environment = environment
    self.directory = directory
    // A write to an agent that has exited must be an error, not the end of Refold.
    signal(SIGPIPE, SIG_IGN)
  }

  /// A running process for one request: an idle one, or a new one (with its own slot of
  /// the model endpoint, whose URLs are in its environment).
  func checkOut() async throws -> AgentProcess {
    while let process = idle.popLast() {
      if process.isUsable { return process }
      discard(process)
    }
    var environment = environment
    var slot: AgentModelSlot?
    if let modelEndpoint {
      let opened = try await modelEndpoint.openSlot()
      environment.merge(opened.environment) { _, new in new }
      environment.merge(opened.defaults) { own, _ in own }
      slot = opened
    }
    do {
      return try AgentProcess(
        command: command, environment: environment, directory: directory, slot: slot)
    } catch {
      if let slot { modelEndpoint?.closeSlot(slot.id) }
      throw error
    }
  }

  /// Stops a process that failed and forgets its slot.
  func discard(_ process: AgentProcess) {
    process.stop()
    if let slot = process.slot { modelEndpoint?.closeSlot(slot.id) }
  }

  /// Gives a process back after a good answer.
  func checkIn(_ process: AgentProcess) { idle.append(process) }

  /// Stops every idle process.
  func stopAll() {
    for process in idle { discard(process) }
    idle.removeAll()
  }
}
