import Foundation
import RefoldCore
import RefoldModels

/// Reads a tools file: which command runs each sync intent.
///
/// ```yaml
/// timeout: 30                      # seconds, for every tool unless it says otherwise
/// tools:
///   list_git_tags: ./tools/list-git-tags.sh          # a shell line
///   check_deployment_status:
///     command: [python3, tools/status.py]             # or an argument list
///     timeout: 10
/// ```
///
/// Commands run in the tools file's directory, so relative paths are relative to it.
public enum ToolCommands {
  /// The commands an agent spec names on its intents (`command:`, `timeout:`), run in
  /// `directory` (the spec's).
  public static func named(in spec: AgentSpec, directory: String, defaultTimeout: Double = 30)
    -> [String: ToolCommand]
  {
    var commands: [String: ToolCommand] = [:]
    for intent in spec.intents {
      guard let arguments = intent.command else { continue }
      commands[intent.name] = ToolCommand(
        arguments: arguments, workingDirectory: directory,
        timeout: intent.timeout ?? defaultTimeout)
    }
    return commands
  }

  /// The commands in the tools file at `path`.
  ///
  /// - Throws: ``ServerError/invalidTools(file:reason:)``.
  public static func load(path: String) throws(ServerError) -> [String: ToolCommand] {
    let text: String
    do {
      text = try TextFile.read(path)
    } catch {
      throw .invalidTools(file: path, reason: error.reason)
    }
    let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
    return try parse(text, file: path, directory: directory)
  }

  /// The commands in `text`, resolved against `directory`.
  ///
  /// - Throws: ``ServerError/invalidTools(file:reason:)`` with the file and line of the
  ///   first mistake and its path (`tools.yaml:4: tools.deploy.timeout: …`).
  public static func parse(_ text: String, file: String, directory: String) throws(ServerError)
    -> [String: ToolCommand]
  {
    do throws(YAMLProblem) {
      guard let root = try YAMLNode.parse(text, file: file) else {
        throw YAMLProblem(file: file, line: nil, path: "", message: "expected a map with tools")
      }
      return try commands(in: root, directory: directory)
    } catch {
      let place = error.line.map { "\(error.file):\($0)" } ?? error.file
      throw .invalidTools(
        file: place, reason: error.path.isEmpty ? error.message : "\(error.path): \(error.message)")
    }
  }

  private static func commands(in root: YAMLNode, directory: String) throws(YAMLProblem)
    -> [String: ToolCommand]
  {
    try root.rejectUnknown(allowed: ["tools", "timeout"])
    let defaultTimeout = try root.member("timeout").map(seconds) ?? 30
    var commands: [String: ToolCommand] = [:]
    for entry in try root.required("tools").mapping() {
      var command = entry.value
      var limit = defaultTimeout
      if entry.value.entries != nil {
        try entry.value.rejectUnknown(allowed: ["command", "timeout"])
        command = try entry.value.required("command")
        limit = try entry.value.member("timeout").map(seconds) ?? limit
      }
      let arguments: [String]
      switch command.content {
      case .scalar(.string(let line)): arguments = ["/bin/sh", "-c", line]
      case .sequence(let items):
        var list: [String] = []
        for item in items { list.append(try item.text()) }
        arguments = list
      default: throw command.problem("expected a shell line or a list, found \(command.described)")
      }
      if arguments.isEmpty { throw command.problem("the command is empty") }
      commands[entry.key] = ToolCommand(
        arguments: arguments, workingDirectory: directory, timeout: limit)
    }
    return commands
  }

  private static func seconds(_ node: YAMLNode) throws(YAMLProblem) -> Double {
    let seconds = try node.number()
    guard seconds > 0 else { throw node.problem("expected a positive number of seconds") }
    return seconds
  }
}
