import ArgumentParser
import RefoldCore

/// The `refold` command: record, replay, score and report agent threads.
///
/// Run it through ``CLI/run(arguments:stdout:stderr:environment:)``, which binds the output
/// streams and turns errors into exit codes.
public struct RefoldCommand: AsyncParsableCommand {
  public static let configuration = CommandConfiguration(
    commandName: "refold",
    abstract: "Record, replay, score and report LLM-agent threads.",
    version: RefoldCommand.version,
    subcommands: RefoldCommand.storeCommands + RefoldCommand.evaluationCommands
      + RefoldCommand.recordingCommands
  )

  /// The commands on the event store.
  static let storeCommands: [any ParsableCommand.Type] = [
    ImportCommand.self,
    ThreadsCommand.self,
    ShowCommand.self,
    ReplayCommand.self,
    ForkCommand.self,
    ExportCommand.self,
    CopyCommand.self,
  ]

  /// The commands that evaluate and report (eval, compare, report, proxy).
  static let evaluationCommands: [any ParsableCommand.Type] = [
    EvalCommand.self,
    CompareCommand.self,
    ReportCommand.self,
    MergeCommand.self,
    ImportRunCommand.self,
    RunsCommand.self,
    ContextCommand.self,
    AskCommand.self,
    WhyCommand.self,
    JudgeCommand.self,
  ]

  /// The tool's version, recorded in every run.
  public static let version = "0.1.0"

  public init() {}
}
