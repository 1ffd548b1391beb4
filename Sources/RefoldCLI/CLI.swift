import ArgumentParser
import Foundation
import RefoldCore
import RefoldModels

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
  /// Errors become one sentence on `stderr`; nothing traps for a user mistake. Exit codes
  /// (``ExitStatus``): 0 success, 1 below threshold or regression, 2 bad usage or invalid
  /// input, 3 the model source failed, 4 the environment failed (the store is busy or cannot
  /// be written, the disk is full, the report cannot be written).
  public static func run(
    arguments: [String],
    stdout: any CLIOutput = FileDescriptorOutput.standardOutput,
    stderr: any CLIOutput = FileDescriptorOutput.standardError,
    environment: [String: String] = ProcessInfo.processInfo.environment,
    dependencies: Dependencies = .live,
    stageEnded: @escaping @Sendable (String) -> Void = { _ in }
  ) async -> Int32 {
    let name = arguments.first.flatMap { $0.hasPrefix("-") ? nil : "refold \($0)" } ?? "refold"
    var context = CLIContext(
      stdout: stdout, stderr: stderr, environment: environment, dependencies: dependencies,
      command: name)
    context.stageEnded = stageEnded
    return await CLIContext.$current.withValue(context) {
      await InputLimits.$current.withValue(InputLimits(environment: environment)) {
        await execute(arguments, context)
      }
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
  ///
  /// A `RefoldError` carries both; anything else is ArgumentParser's (usage, help, an
  /// `ExitCode`) or unforeseen, and exits 2.
  static func report(_ error: any Error, _ context: CLIContext) -> Int32 {
    if let error = error as? any RefoldError {
      for line in error.lines { context.stderr.line("refold: \(line)") }
      return error.exitStatus.rawValue
    }
    let message = RefoldCommand.fullMessage(for: error)
    let code = RefoldCommand.exitCode(for: error)
    if code == .success {
      if !message.isEmpty { context.stdout.line(message) }
      return ExitStatus.success.rawValue
    }
    if !message.isEmpty { context.stderr.line(message) }
    if error is ExitCode { return code.rawValue }
    return ExitStatus.invalidInput.rawValue
  }
}
