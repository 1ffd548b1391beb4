import ArgumentParser

/// `refold cassette check|rekey FILE`: verify a cassette, or set its keys after an edit.
struct CassetteCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "cassette",
    abstract: "Verify a cassette file, or set its keys again after a deliberate edit.",
    subcommands: [CassetteCheckCommand.self, CassetteRekeyCommand.self])
}
