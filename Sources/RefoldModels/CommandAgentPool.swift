import Foundation

/// The running processes of one command agent: one per concurrency slot, started when a slot
/// first asks and started again after a crash, a hang or garbage.
actor CommandAgentPool {
  private let command: [String]
  private let environment: [String: String]
  private let directory: String?
  private var idle: [AgentProcess] = []

  init(command: [String], environment: [String: String], directory: String?) {
    self.command = command
    self.environment = environment
    self.directory = directory
    // A write to an agent that has exited must be an error, not the end of Refold.
    signal(SIGPIPE, SIG_IGN)
  }

  /// A running process for one request: an idle one, or a new one.
  func checkOut() throws -> AgentProcess {
    while let process = idle.popLast() {
      if process.isUsable { return process }
      process.stop()
    }
    return try AgentProcess(command: command, environment: environment, directory: directory)
  }

  /// Gives a process back after a good answer.
  func checkIn(_ process: AgentProcess) { idle.append(process) }

  /// Stops every idle process.
  func stopAll() {
    for process in idle { process.stop() }
    idle.removeAll()
  }
}
