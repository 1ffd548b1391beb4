import ArgumentParser

/// `refold judge check SUITE`: the suite's judge compared with people's labels.
struct JudgeCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "judge",
    abstract: "Check a suite's judge model against people's pass/fail labels.",
    subcommands: [JudgeCheckCommand.self])
}
