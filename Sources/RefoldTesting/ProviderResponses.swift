import RefoldCore

/// Provider response bodies shaped as the real endpoints send them, for scripted answers.
public enum ProviderResponses {
  /// An OpenAI Chat Completions answer with one tool call; `arguments` is the raw JSON text
  /// the model wrote (it may be invalid on purpose).
  public static func openAIToolCall(
    name: String, arguments: String, id: String? = "call_abc123"
  ) -> RefoldCore.JSONValue {
    var call: [String: RefoldCore.JSONValue] = [
      "type": "function", "function": ["name": .string(name), "arguments": .string(arguments)],
    ]
    if let id { call["id"] = .string(id) }
    return [
      "id": "chatcmpl-9x", "object": "chat.completion", "created": 1_732_000_000,
      "model": "gpt-4o-mini-2024-07-18",
      "choices": [
        [
          "index": 0,
          "message": [
            "role": "assistant", "content": .null, "tool_calls": [.object(call)],
            "refusal": .null,
          ],
          "logprobs": .null, "finish_reason": "tool_calls",
        ]
      ],
      "usage": ["prompt_tokens": 412, "completion_tokens": 23, "total_tokens": 435],
      "system_fingerprint": "fp_0ba0d124f1",
    ]
  }

  /// An OpenAI Chat Completions answer with one tool call whose arguments are `arguments`.
  public static func openAIToolCall(
    name: String, arguments: RefoldCore.JSONValue, id: String? = "call_abc123"
  ) -> RefoldCore.JSONValue {
    openAIToolCall(name: name, arguments: arguments.canonicalString, id: id)
  }

  /// An OpenAI Chat Completions answer with text content.
  public static func openAIContent(_ content: String, finishReason: String = "stop")
    -> RefoldCore.JSONValue
  {
    [
      "id": "chatcmpl-9y", "object": "chat.completion", "created": 1_732_000_000, "model": "m",
      "choices": [
        [
          "index": 0, "message": ["role": "assistant", "content": .string(content)],
          "finish_reason": .string(finishReason),
        ]
      ],
      "usage": ["prompt_tokens": 300, "completion_tokens": 40, "total_tokens": 340],
    ]
  }

  /// An Anthropic Messages answer with a line of text and one `tool_use` block.
  public static func anthropicToolUse(name: String, input: RefoldCore.JSONValue)
    -> RefoldCore.JSONValue
  {
    [
      "id": "msg_01Aq9w938a90dw8q", "type": "message", "role": "assistant",
      "model": "claude-3-5-haiku-20241022",
      "content": [
        ["type": "text", "text": "I'll check the tags first."],
        [
          "type": "tool_use", "id": "toolu_01A09q90qw90lq917835lq9", "name": .string(name),
          "input": input,
        ],
      ],
      "stop_reason": "tool_use", "stop_sequence": .null,
      "usage": ["input_tokens": 512, "output_tokens": 61],
    ]
  }

  /// An Anthropic Messages answer with text only.
  public static func anthropicText(_ text: String) -> RefoldCore.JSONValue {
    [
      "id": "msg_02", "type": "message", "role": "assistant", "model": "claude-3-5-haiku-20241022",
      "content": [["type": "text", "text": .string(text)]], "stop_reason": "end_turn",
      "usage": ["input_tokens": 200, "output_tokens": 30],
    ]
  }
}
