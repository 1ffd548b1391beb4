import RefoldCore

/// The deploy bot's tools: list the release tags, deploy a tag to an environment.
///
/// Each tool is a closure, so production code passes the real calls (git, the deploy API)
/// and tests pass canned ones.
public struct DeployTools: ToolRunner {
  public var listTags: @Sendable () async throws -> [String]
  public var deploy: @Sendable (_ tag: String, _ environment: String) async throws -> String

  public init(
    listTags: @escaping @Sendable () async throws -> [String],
    deploy: @escaping @Sendable (_ tag: String, _ environment: String) async throws -> String
  ) {
    self.listTags = listTags
    self.deploy = deploy
  }

  public func run(_ intent: Intent, thread: String, events: [Event]) async throws -> ToolOutcome {
    switch intent.name {
    case "list_git_tags":
      return .success(["tags": .array(try await listTags().map(JSONValue.string))])
    case "deploy_backend":
      guard case .string(let tag)? = intent.parameters["tag"],
        case .string(let environment)? = intent.parameters["environment"]
      else { return .failure("deploy_backend needs a tag and an environment") }
      let id = try await deploy(tag, environment)
      return .success([
        "deployment_id": .string(id), "environment": .string(environment),
        "service": "backend", "status": "succeeded", "tag": .string(tag),
      ])
    default:
      return .failure("no tool for \(intent.name)")
    }
  }
}
