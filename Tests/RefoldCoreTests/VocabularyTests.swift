import RefoldTesting
import Testing

@testable import RefoldCore

/// Classification: the spec's intents and aliases, `tool_call`, and the default inference rules.
@Suite struct VocabularyTests {
  typealias Pending = ThreadState.Pending

  func classify(_ vocabulary: Vocabulary, _ types: [(String, JSONValue)]) -> [EventClass] {
    let events = types.enumerated().map { offset, item in
      Event(thread: "t", seq: offset, type: item.0, data: item.1)
    }
    return vocabulary.classify(events)
  }

  @Test func inputErrorAndResultTypes() {
    let classes = classify(
      .default,
      [
        ("user_input", [:]), ("slack_message", [:]), ("email", [:]), ("webhook", [:]),
        ("human_response", [:]), ("approval", [:]), ("error", [:]), ("tool_response", [:]),
        ("anything_result", [:]), ("note", [:]),
      ])
    #expect(
      classes == [
        .input, .input, .input, .input, .input, .input, .error, .result(intent: nil),
        .result(intent: "anything"), .other,
      ])
    #expect(
      classes.map(\.kind) == [
        .input, .input, .input, .input, .input, .input, .error, .result, .result, .other,
      ])
  }

  @Test func defaultInferenceRules() {
    let classes = classify(
      .default,
      [
        ("done_for_now", [:]),
        ("request_human_input", [:]),
        ("request_more_information", [:]),
        ("request_clarification", [:]),
        ("request_approval_to_deploy", [:]),
        ("deploy_backend", [:]),
        ("approval", ["approved": true]),
        ("fetch_logs", [:]),
        ("fetch_logs_result", [:]),
        ("wiggle", [:]),
        ("tool_call", [:]),
      ])
    #expect(
      classes == [
        .decision(intent: "done_for_now", kind: .terminal),
        .decision(intent: "request_human_input", kind: .human),
        .decision(intent: "request_more_information", kind: .human),
        .decision(intent: "request_clarification", kind: .human),
        .decision(intent: "request_approval_to_deploy", kind: .approval),
        // Inferred from the approval event that follows it.
        .decision(intent: "deploy_backend", kind: .approval),
        .input,
        // Inferred from its `_result` event in the same thread.
        .decision(intent: "fetch_logs", kind: .sync),
        .result(intent: "fetch_logs"),
        // Nothing tells what `wiggle` is.
        .other,
        .decision(intent: "tool_call", kind: .sync),
      ])
  }

  @Test func approvalInferenceWinsOverResultInference() {
    let classes = classify(
      .default,
      [
        ("rollback_backend", [:]), ("approval", ["approved": true]),
        ("rollback_backend_result", [:]),
      ])
    #expect(classes[0] == .decision(intent: "rollback_backend", kind: .approval))
  }

  @Test func declaredIntentsWinAndInferenceCanBeOff() {
    let declared = Vocabulary(intents: ["wiggle": .sync, "done_for_now": .sync])
    let classes = classify(declared, [("wiggle", [:]), ("done_for_now", [:])])
    #expect(
      classes == [
        .decision(intent: "wiggle", kind: .sync), .decision(intent: "done_for_now", kind: .sync),
      ])
    let strict = Vocabulary(intents: ["deploy_backend": .approval], infersUndeclared: false)
    let strictClasses = classify(
      strict,
      [
        ("done_for_now", [:]), ("fetch_logs", [:]), ("fetch_logs_result", [:]),
        ("deploy_backend_result", [:]),
      ])
    #expect(strictClasses == [.other, .other, .other, .result(intent: "deploy_backend")])
    #expect(strict.kind(ofIntent: "done_for_now") == nil)
    #expect(Vocabulary.default.kind(ofIntent: "done_for_now") == .terminal)
    #expect(Vocabulary.default.kind(ofIntent: "fetch_logs") == nil)
  }

  @Test func aliasesReadAsTheirTarget() {
    let vocabulary = Vocabulary(
      intents: DeployBot.intents,
      aliases: [
        "deploy": "deploy_backend", "status": "check_deployment_status",
        "msg": "slack_message",
      ])
    let reducer = ThreadReducer(vocabulary: vocabulary)
    var thread = ThreadBuilder()
    thread.add("msg", ["from": "@tom", "text": "deploy v1 to staging"])
    thread.add("deploy", ["tag": "v1.0.0", "environment": "staging"])
    thread.add("approval", ["approved": true, "by": "@tom"])
    thread.add("deploy_result", ["status": "succeeded"])
    thread.add("status", ["service": "backend", "environment": "staging"])
    thread.add("error", ["intent": "status", "message": "connection refused"])
    #expect(vocabulary.canonicalType("deploy") == "deploy_backend")
    #expect(vocabulary.canonicalType("deploy_backend") == "deploy_backend")
    var script = ReducerScript(reducer, thread.events)
    script.step()
    script.step {
      $0.steps = 1
      $0.intentCounts = ["deploy_backend": 1]
      $0.status = .awaitingApproval
      $0.pending = Pending(
        intent: "deploy_backend", kind: .approval, seq: 1,
        parameters: ["tag": "v1.0.0", "environment": "staging"])
    }
    script.step {
      $0.status = .running
      $0.pending?.kind = .sync
    }
    // The alias's result answers the call it stands for.
    script.step { $0.pending = nil }
    script.step {
      $0.steps = 2
      $0.intentCounts["check_deployment_status"] = 1
      $0.pending = Pending(
        intent: "check_deployment_status", kind: .sync, seq: 4,
        parameters: ["service": "backend", "environment": "staging"])
    }
    // An error naming the alias counts under the canonical intent.
    script.step {
      $0.pending = nil
      $0.consecutiveErrors = 1
      $0.consecutiveErrorsByIntent = ["check_deployment_status": 1]
    }
    script.finish()
  }

  @Test func aliasedResultsUnderTheDefaultVocabulary() {
    let vocabulary = Vocabulary(aliases: ["fetch": "fetch_logs"])
    let classes = classify(vocabulary, [("fetch", [:]), ("fetch_result", [:])])
    #expect(
      classes == [.decision(intent: "fetch_logs", kind: .sync), .result(intent: "fetch_logs")])
  }

  @Test func toolCallNamesItsIntent() {
    var thread = ThreadBuilder()
    thread.add(
      "tool_call",
      ["intent": "deploy_backend", "parameters": ["tag": "v1.4.2", "environment": "staging"]])
    thread.add("approval", ["approved": true, "by": "@priya"])
    thread.add("tool_response", ["status": "succeeded"])
    thread.add("tool_call", ["name": "list_git_tags", "arguments": ["remote": "origin"]])
    thread.add("list_git_tags_result", ["tags": ["v1.4.2"]])
    thread.add("tool_call", ["command": "uptime"])
    thread.add("tool_response", ["output": "up 3 days"])
    var script = ReducerScript(DeployBot.reducer, thread.events)
    script.step {
      $0.steps = 1
      $0.intentCounts = ["deploy_backend": 1]
      $0.status = .awaitingApproval
      $0.pending = Pending(
        intent: "deploy_backend", kind: .approval, seq: 0,
        parameters: ["tag": "v1.4.2", "environment": "staging"])
    }
    script.step {
      $0.status = .running
      $0.pending?.kind = .sync
    }
    script.step { $0.pending = nil }
    script.step {
      $0.steps = 2
      $0.intentCounts["list_git_tags"] = 1
      $0.pending = Pending(
        intent: "list_git_tags", kind: .sync, seq: 3, parameters: ["remote": "origin"])
    }
    script.step { $0.pending = nil }
    // A tool_call naming no intent is a sync call of its own.
    script.step {
      $0.steps = 3
      $0.intentCounts["tool_call"] = 1
      $0.pending = Pending(intent: "tool_call", kind: .sync, seq: 5, parameters: [:])
    }
    script.step { $0.pending = nil }
    script.finish()
  }

  @Test func toolCallFollowedByApprovalUnderTheDefaultVocabulary() {
    var thread = ThreadBuilder()
    thread.add(
      "tool_call",
      ["intent": "deploy_backend", "parameters": ["tag": "v1.4.2", "environment": "staging"]])
    thread.add("approval", ["approved": false, "by": "@priya", "feedback": "not now"])
    let state = ThreadReducer().fold(thread.events)
    #expect(state.violations.isEmpty, "\(state.violations)")
    #expect(state.feedback == "not now")
    #expect(state.intentCounts == ["deploy_backend": 1])
    let classes = Vocabulary.default.classify(thread.events)
    #expect(classes[0] == .decision(intent: "deploy_backend", kind: .approval))
  }

  @Test func defaultVocabularyFoldsAWholeThread() {
    var thread = ThreadBuilder()
    thread.add(
      "slack_message", ["from": "@tom", "channel": "#deploys", "text": "latest to staging"])
    thread.add("list_git_tags")
    thread.add("list_git_tags_result", ["tags": ["v3.0.2"]])
    thread.add("deploy_backend", ["tag": "v3.0.2", "environment": "staging"])
    thread.add("approval", ["approved": true, "by": "@tom"])
    thread.add("deploy_backend_result", ["status": "succeeded"])
    thread.add("done_for_now", ["message": "done"])
    var script = ReducerScript(ThreadReducer(), thread.events)
    script.step()
    // Nothing seen so far says what `list_git_tags` is: the state after an event depends on
    // the events up to it only.
    script.step()
    // Its result makes it a sync decision, which the result answers.
    script.step {
      $0.steps = 1
      $0.intentCounts = ["list_git_tags": 1]
    }
    script.step()
    // The approval makes `deploy_backend` an approval-kind decision, and approves it.
    script.step {
      $0.steps = 2
      $0.intentCounts["deploy_backend"] = 1
      $0.pending = Pending(
        intent: "deploy_backend", kind: .sync, seq: 3,
        parameters: ["tag": "v3.0.2", "environment": "staging"])
    }
    script.step { $0.pending = nil }
    script.step {
      $0.steps = 3
      $0.intentCounts["done_for_now"] = 1
      $0.status = .done
    }
    script.finish()
  }
}
