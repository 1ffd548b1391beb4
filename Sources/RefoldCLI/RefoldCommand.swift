import ArgumentParser
import RefoldCore

/// The `refold` command: record, replay, score and report agent threads.
public struct RefoldCommand: AsyncParsableCommand {
  public static let configuration = CommandConfiguration(
    commandName: "refold",
    abstract: "Record, replay, score and report LLM-agent threads.",
    subcommands: []
  )

  public init() {}
}
