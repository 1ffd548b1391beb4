import Mustache
import RefoldCore

/// What a prompt template is rendered with.
public struct PromptValues: Sendable, Hashable {
  /// The rendered context (empty for `chat-messages`, where the thread is the messages).
  public var thread: String
  public var intents: [IntentSpec]
  public var outputInstructions: String
  public var agentName: String

  public init(thread: String, intents: [IntentSpec], outputInstructions: String, agentName: String)
  {
    self.thread = thread
    self.intents = intents
    self.outputInstructions = outputInstructions
    self.agentName = agentName
  }

  var mustacheValues: [String: Any] {
    [
      "thread": thread,
      "intents": intents.map { intent -> [String: Any] in
        [
          "name": intent.name, "kind": intent.kind.rawValue, "description": intent.description,
          "params": intent.parameters.canonicalString,
        ]
      },
      "output_instructions": outputInstructions,
      "agent": ["name": agentName] as [String: Any],
    ]
  }
}
