import Foundation
import RefoldCore
import Testing

@testable import RefoldModels

/// The `refold.next-step/v1` decider against a real command agent: what it sends, how it
/// reads answers, and what it keeps.
@Suite struct ExternalAgentDeciderTests {
  /// An agent that echoes each request back inside its answer's parameters, says why it
  /// cannot decide when asked to, and answers something that is not an answer when told to.
  static let echo = """
    from json import dumps, loads
    from sys import stderr, stdin
    for line in stdin:
        request = loads(line)
        text = request["events"][0]["data"]["text"]
        stderr.write("asked step %d\\n" % request["step"])
        stderr.flush()
        if text == "undecided":
            print(dumps({"error": "no rule for this"}), flush=True)
        elif text == "odd":
            print(dumps({"answer": 42}), flush=True)
        else:
            print(dumps({"intent": "done_for_now", "params": {"request": request}}), flush=True)
    """

  func decider() throws -> (ExternalAgentDecider, String) {
    let directory = try Support.temporaryDirectory()
    try Self.echo.write(
      toFile: "\(directory)/echo.py", atomically: true, encoding: .utf8)
    let agent = ExternalAgent(
      endpoint: .command(["python3", "echo.py"]), environment: [:],
      workingDirectory: directory, timeout: 10)
    let decider = try ExternalAgentDecider(
      agent: agent, suite: "calc", variant: "terse",
      vocabulary: Vocabulary(intents: ["deploy": .sync, "done_for_now": .terminal]))
    return (decider, directory)
  }

  @Test func sendsTheProtocolRequestAndDecodesTheAnswer() async throws {
    let (decider, directory) = try decider()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let events = [
      Event(
        thread: "t-1", seq: 0, type: "user_input", data: ["text": "ship it"],
        at: "2026-11-16T09:14:03Z", id: "msg-1"),
      Event(thread: "t-1", seq: 1, type: "deploy", data: ["tag": "v1"]),
      Event(thread: "t-1", seq: 2, type: "deploy_result", data: ["ok": true]),
      // An escalation the runtime appended is not a decision: it does not count as a step.
      Event(
        thread: "t-1", seq: 3, type: "deploy", data: ["tag": "v1"],
        meta: ["escalation": true]),
    ]
    let decision = try await decider.decide(thread: "t-1", events: events)
    guard case .intent(let intent) = decision.outcome else {
      Issue.record("expected an intent, got \(decision.outcome)")
      return
    }
    #expect(intent.name == "done_for_now")
    let request = try #require(intent.parameters["request"])
    #expect(request["protocol"] == "refold.next-step/v1")
    #expect(request["suite"] == "calc")
    #expect(request["variant"] == "terse")
    #expect(request["thread"] == "t-1")
    #expect(request["step"] == .int(1))
    let sent = try #require(request["events"]?.arrayValue)
    #expect(sent.count == 4)
    #expect(
      sent[0] == [
        "seq": 0, "type": "user_input", "data": ["text": "ship it"],
        "at": "2026-11-16T09:14:03Z", "id": "msg-1",
      ])
    #expect(sent[3]["meta"] == ["escalation": true])
    #expect(decision.rawResponse?["stderr"] == "asked step 1\n")
    #expect(decision.renderedContext?.contains("refold.next-step/v1") == true)
  }

  @Test func anErrorAnswerIsInvalidOutputAndANonAnswerIsASourceError() async throws {
    let (decider, directory) = try decider()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let undecided = [Event(thread: "t-2", seq: 0, type: "user_input", data: ["text": "undecided"])]
    let decision = try await decider.decide(thread: "t-2", events: undecided)
    #expect(decision.outcome == .failure("the agent could not decide: no rule for this"))

    let odd = [Event(thread: "t-3", seq: 0, type: "user_input", data: ["text": "odd"])]
    await #expect(throws: ExternalAgentError.self) {
      _ = try await decider.decide(thread: "t-3", events: odd)
    }
    do {
      _ = try await decider.decide(thread: "t-3", events: odd)
    } catch let error as ExternalAgentError {
      #expect(error.message.contains("thread \"t-3\" step 0"))
      #expect(error.message.contains("neither a string \"intent\" nor an \"error\""))
      #expect(error.exitStatus == .sourceFailed)
    }
  }
}
