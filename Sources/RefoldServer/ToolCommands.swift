import Foundation
import RefoldCore
import RefoldModels
import Yams

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
  public static func parse(_ text: String, file: String, directory: String) throws(ServerError)
    -> [String: ToolCommand]
  {
    let node: Any?
    do {
      node = try Yams.load(yaml: text)
    } catch {
      throw .invalidTools(
        file: file, reason: "not valid YAML at \(YAMLErrorSentence.describe(error))")
    }
    guard let root = node as? [String: Any] else {
      throw .invalidTools(file: file, reason: "expected a mapping with `tools`")
    }
    for key in root.keys where key != "tools" && key != "timeout" {
      throw .invalidTools(file: file, reason: "unknown key \"\(key)\" (expected tools, timeout)")
    }
    let defaultTimeout = try timeout(root["timeout"], file: file, path: "timeout") ?? 30
    guard let tools = root["tools"] as? [String: Any] else {
      throw .invalidTools(file: file, reason: "`tools` must map intent names to commands")
    }
    var commands: [String: ToolCommand] = [:]
    for (intent, value) in tools {
      var arguments: [String]
      var limit = defaultTimeout
      if let line = value as? String {
        arguments = ["/bin/sh", "-c", line]
      } else if let list = value as? [Any] {
        arguments = list.map { "\($0)" }
      } else if let entry = value as? [String: Any] {
        for key in entry.keys where key != "command" && key != "timeout" {
          throw .invalidTools(
            file: file,
            reason: "tools.\(intent): unknown key \"\(key)\" (expected command, timeout)")
        }
        if let line = entry["command"] as? String {
          arguments = ["/bin/sh", "-c", line]
        } else if let list = entry["command"] as? [Any] {
          arguments = list.map { "\($0)" }
        } else {
          throw .invalidTools(
            file: file, reason: "tools.\(intent).command: expected a shell line or a list")
        }
        limit = try timeout(entry["timeout"], file: file, path: "tools.\(intent).timeout") ?? limit
      } else {
        throw .invalidTools(
          file: file, reason: "tools.\(intent): expected a command line, a list or a mapping")
      }
      if arguments.isEmpty {
        throw .invalidTools(file: file, reason: "tools.\(intent): the command is empty")
      }
      commands[intent] = ToolCommand(
        arguments: arguments, workingDirectory: directory, timeout: limit)
    }
    return commands
  }

  private static func timeout(_ value: Any?, file: String, path: String) throws(ServerError)
    -> Double?
  {
    guard let value else { return nil }
    let seconds = (value as? Double) ?? (value as? Int).map(Double.init)
    guard let seconds, seconds > 0 else {
      throw .invalidTools(file: file, reason: "\(path): expected a positive number of seconds")
    }
    return seconds
  }
}
