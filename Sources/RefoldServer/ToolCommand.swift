/// How one sync intent's tool runs: a command, its working directory and its time limit.
public struct ToolCommand: Sendable, Hashable {
  /// The program and its arguments (`["/bin/sh", "-c", "…"]` for a shell line).
  public var arguments: [String]
  /// Where it runs; nil is the server's working directory.
  public var workingDirectory: String?
  /// Seconds before the command is stopped and the call fails.
  public var timeout: Double

  public init(arguments: [String], workingDirectory: String? = nil, timeout: Double = 30) {
    self.arguments = arguments
    self.workingDirectory = workingDirectory
    self.timeout = timeout
  }
}
