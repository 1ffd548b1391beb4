import Foundation
import RefoldCore
import RefoldTestSupport

@testable import RefoldModels

/// Paths and specs shared by the model tests.
enum Support {
  /// The package root.
  static var packageRoot: String { Repository.root }

  static var deploybotPath: String { packageRoot + "/evals/deploybot/agent.yaml" }

  /// The deploy-bot spec from the repository, with a fixed environment.
  static func deploybot(environment: [String: String] = [:]) throws -> AgentSpec {
    try AgentSpecLoader(environment: environment).load(path: deploybotPath)
  }

  /// A fresh temporary directory.
  static func temporaryDirectory() throws -> String {
    let path = NSTemporaryDirectory() + "refold-models-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
  }

  /// The start of a deploy-bot thread, up to a decision point after the tag list.
  static let deployThread: [Event] = [
    Event(
      thread: "deploy-001", seq: 0, type: "slack_message",
      data: ["from": "@alex", "channel": "#deploys", "text": "ship latest backend to prod"]),
    Event(thread: "deploy-001", seq: 1, type: "list_git_tags"),
    Event(
      thread: "deploy-001", seq: 2, type: "list_git_tags_result",
      data: ["tags": ["v1.4.2", "v1.4.1", "v1.3.0"]]),
  ]
}
