import ArgumentParser
import Foundation
import RefoldCore
import RefoldModels
import RefoldShared
import RefoldStore

/// The entry point of the `refold` tool, callable in-process.
///
/// ```swift
/// let output = CapturedOutput()
/// let code = await CLI.run(arguments: ["threads", "--db", path], stdout: output)
/// ```
public enum CLI {
  /// Parses `arguments` (without the program name), runs the command, and returns the exit
  /// code.
  ///
  /// Errors become one sentence on `stderr`; nothing traps for a user mistake. Exit codes:
  /// 0 success, 1 below threshold or regression, 2 bad usage or invalid input, 3 the model
  /// source failed.
  public static func run(
    arguments: [String],
    stdout: any CLIOutput = FileDescriptorOutput.standardOutput,
    stderr: any CLIOutput = FileDescriptorOutput.standardError,
    environment: [String: String] = ProcessInfo.processInfo.environment,
    dependencies: Dependencies = .live
  ) async -> Int32 {
    let context = CLIContext(
      stdout: stdout, stderr: stderr, environment: environment, dependencies: dependencies)
    return await CLIContext.$current.withValue(context) {
      await execute(arguments, context)
    }
  }

  private static func execute(_ arguments: [String], _ context: CLIContext) async -> Int32 {
    let command: any ParsableCommand
    do {
      command = try RefoldCommand.parseAsRoot(arguments)
    } catch {
      return report(error, context)
    }
    do {
      if var asyncCommand = command as? any AsyncParsableCommand {
        try await asyncCommand.run()
      } else {
        var syncCommand = command
        try syncCommand.run()
      }
      return 0
    } catch {
      return report(error, context)
    }
  }

  /// Writes the error's sentence to standard error (help to standard output) and returns
  /// its exit code.
  static func report(_ error: any Error, _ context: CLIContext) -> Int32 {
    switch error {
    case let error as CLIError:
      context.stderr.line("refold: \(error.message)")
      return error.exitCode
    case StoreError.invalidLines(let problems):
      for problem in problems { context.stderr.line("refold: \(problem)") }
      return CLIError.invalidInput
    case let error as StoreError:
      context.stderr.line("refold: \(error)")
      return CLIError.invalidInput
    case let error as EventStoreError:
      context.stderr.line("refold: \(error)")
      return CLIError.invalidInput
    default:
      let message = RefoldCommand.fullMessage(for: error)
      let code = RefoldCommand.exitCode(for: error)
      if code == .success {
        if !message.isEmpty { context.stdout.line(message) }
        return 0
      }
      if !message.isEmpty { context.stderr.line(message) }
      if error is ExitCode { return code.rawValue }
      return CLIError.invalidInput
    }
  }
}
