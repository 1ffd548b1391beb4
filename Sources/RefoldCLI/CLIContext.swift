import Foundation
import RefoldModels

/// What a command runs against: its output streams, environment, clock, wall time and HTTP
/// transport.
///
/// ``CLI/run(arguments:stdout:stderr:environment:)`` binds it for the duration of one
/// command, so commands run in-process in tests with captured output.
public struct CLIContext: Sendable {
  public var stdout: any CLIOutput
  public var stderr: any CLIOutput
  public var environment: [String: String]
  /// The clock, wall time and transport every piece the command builds is given.
  public var dependencies: Dependencies
  /// The command running (`refold import`), as other processes waiting for the store see it.
  public var command: String
  /// Told the name of each stage of `refold eval` as it ends (`refold-bench eval` times them).
  public var stageEnded: @Sendable (String) -> Void = { _ in }

  public init(
    stdout: any CLIOutput = FileDescriptorOutput.standardOutput,
    stderr: any CLIOutput = FileDescriptorOutput.standardError,
    environment: [String: String] = ProcessInfo.processInfo.environment,
    dependencies: Dependencies = .live,
    command: String = "refold"
  ) {
    self.stdout = stdout
    self.stderr = stderr
    self.environment = environment
    self.dependencies = dependencies
    self.command = command
  }

  /// The context of the running command.
  @TaskLocal public static var current = CLIContext()
}
