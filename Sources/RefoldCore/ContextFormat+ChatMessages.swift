extension ContextFormat {
  /// The thread as a standard role rotation with native tool calls.
  ///
  /// - inputs (`slack_message`, `approval`, `human_response`, …) and other events become user
  ///   messages holding the event's XML-tag block;
  /// - a decision becomes an assistant message with one tool call, whose id is
  ///   ``toolCallID(thread:seq:)`` of the decision event;
  /// - a result (`<intent>_result`, `tool_response`) or an `error` naming the intent becomes
  ///   a tool message answering the latest open call of that intent (canonical JSON of the
  ///   data; errors are marked).
  ///
  /// Providers require every tool call to be answered before the next user turn. A call that
  /// is still open when an input arrives (an approval-kind call waiting for its approval, a
  /// human-kind call waiting for its answer) or when the thread ends is therefore answered
  /// with a status tool message, `{"status":"awaiting_approval"}` (or `awaiting_human`,
  /// `done`, `no_result`); a result that arrives after its call was closed this way becomes a
  /// user message with its XML-tag block.
  public static func chatMessages(_ events: [Event], options: Options = Options()) -> [Message] {
    let vocabulary = options.vocabulary
    let classes = vocabulary.classify(events)
    let visible = visibleIndices(events, classes: classes, options: options)
    let reducer = ThreadReducer(vocabulary: vocabulary)
    var messages: [Message] = []
    var open: [(id: String, intent: String, kind: IntentKind)] = []

    func closeOpenCalls() {
      for call in open {
        let status: String
        switch call.kind {
        case .approval: status = "awaiting_approval"
        case .human: status = "awaiting_human"
        case .terminal: status = "done"
        case .sync: status = "no_result"
        }
        messages.append(
          Message(role: .tool, content: #"{"status":"\#(status)"}"#, toolCallID: call.id))
      }
      open.removeAll()
    }

    func answer(intent: String?) -> String? {
      guard
        let index = open.lastIndex(where: { call in intent.map { call.intent == $0 } ?? true })
      else { return nil }
      return open.remove(at: index).id
    }

    for index in visible {
      let event = events[index]
      switch classes[index] {
      case .decision(let intent, let kind):
        closeOpenCalls()
        let id = toolCallID(thread: event.thread, seq: event.seq)
        let call = ToolCall(id: id, name: intent, arguments: reducer.parameters(of: event))
        messages.append(Message(role: .assistant, toolCalls: [call]))
        open.append((id, intent, kind))
      case .result(let intent):
        if let id = answer(intent: intent) {
          messages.append(Message(role: .tool, content: event.data.canonicalString, toolCallID: id))
        } else {
          closeOpenCalls()
          messages.append(Message(role: .user, content: xmlBlock(event)))
        }
      case .error:
        let intent = event.data["intent"]?.stringValue.map(vocabulary.canonicalType)
        if let intent, let id = answer(intent: intent) {
          messages.append(
            Message(
              role: .tool, content: event.data.canonicalString, toolCallID: id, isError: true))
        } else {
          closeOpenCalls()
          messages.append(Message(role: .user, content: xmlBlock(event)))
        }
      case .input, .other:
        closeOpenCalls()
        messages.append(Message(role: .user, content: xmlBlock(event)))
      }
    }
    closeOpenCalls()
    return messages
  }
}
