import ArgumentParser

extension RefoldCommand {
  /// The commands that record production threads (proxy, serve, promote).
  static let recordingCommands: [any ParsableCommand.Type] = [
    ProxyCommand.self,
    ServeCommand.self,
    PromoteCommand.self,
    CassetteCommand.self,
  ]
}
