import Foundation
import RefoldTesting
import Testing

@testable import RefoldCore

/// Exhaustive reducer tests: every step asserts the whole `ThreadState`.
@Suite struct ThreadReducerTests {
  typealias Pending = ThreadState.Pending

  @Test func inputAndOtherEvents() {
    var thread = ThreadBuilder()
    thread.add("slack_message", ["from": "@priya", "channel": "#deploys", "text": "hi"])
    thread.add("note", ["text": "a comment someone left in the log"])
    thread.add("email", ["from": "ops@example.com", "subject": "deploy window"])
    var script = ReducerScript(DeployBot.reducer, thread.events)
    script.step()
    script.step()
    script.step()
    script.finish()
  }

  @Test func syncDecisionThenResult() {
    var thread = ThreadBuilder()
    thread.add("slack_message", ["from": "@priya", "channel": "#deploys", "text": "tags?"])
    thread.add("list_git_tags")
    thread.add("list_git_tags_result", ["tags": ["v1.4.2", "v1.4.1"]])
    thread.add("check_deployment_status", ["service": "backend", "environment": "staging"])
    thread.add("tool_response", ["status": "healthy"])
    thread.add("done_for_now", ["message": "v1.4.2 is the newest tag"])
    var script = ReducerScript(DeployBot.reducer, thread.events)
    script.step()
    script.step {
      $0.steps = 1
      $0.intentCounts = ["list_git_tags": 1]
      $0.pending = Pending(intent: "list_git_tags", kind: .sync, seq: 1, parameters: [:])
    }
    script.step { $0.pending = nil }
    script.step {
      $0.steps = 2
      $0.intentCounts["check_deployment_status"] = 1
      $0.pending = Pending(
        intent: "check_deployment_status", kind: .sync, seq: 3,
        parameters: ["service": "backend", "environment": "staging"])
    }
    script.step { $0.pending = nil }
    script.step {
      $0.steps = 3
      $0.intentCounts["done_for_now"] = 1
      $0.status = .done
    }
    script.finish()
  }

  @Test func approvalDecisionApprovedThenResult() {
    var thread = ThreadBuilder()
    thread.add("slack_message", ["from": "@maria", "channel": "#release", "text": "ship it"])
    thread.add("deploy_backend", ["tag": "v1.4.2", "environment": "production"])
    thread.add("approval", ["approved": true, "by": "@maria", "feedback": "watch the p95"])
    thread.add("deploy_backend_result", ["status": "succeeded"])
    var script = ReducerScript(DeployBot.reducer, thread.events)
    script.step()
    script.step {
      $0.steps = 1
      $0.intentCounts = ["deploy_backend": 1]
      $0.status = .awaitingApproval
      $0.pending = Pending(
        intent: "deploy_backend", kind: .approval, seq: 1,
        parameters: ["tag": "v1.4.2", "environment": "production"])
    }
    script.step {
      // Approved: the call now waits for its result like a sync call; feedback on an
      // approval is not a denial's feedback.
      $0.status = .running
      $0.pending?.kind = .sync
    }
    script.step { $0.pending = nil }
    script.finish()
  }

  @Test func approvedCallThatFailsCountsAnError() {
    var thread = ThreadBuilder()
    thread.add("deploy_frontend", ["tag": "4.2.0", "environment": "staging"])
    thread.add("approval", ["approved": true, "by": "@chloe"])
    thread.add("error", ["intent": "deploy_frontend", "message": "tag not found: 4.2.0"])
    var script = ReducerScript(DeployBot.reducer, thread.events)
    script.step {
      $0.steps = 1
      $0.intentCounts = ["deploy_frontend": 1]
      $0.status = .awaitingApproval
      $0.pending = Pending(
        intent: "deploy_frontend", kind: .approval, seq: 0,
        parameters: ["tag": "4.2.0", "environment": "staging"])
    }
    script.step {
      $0.status = .running
      $0.pending?.kind = .sync
    }
    script.step {
      $0.pending = nil
      $0.consecutiveErrors = 1
      $0.consecutiveErrorsByIntent = ["deploy_frontend": 1]
    }
    script.finish()
  }

  @Test func deniedApprovalCarriesFeedbackUntilTheNextDecision() {
    var thread = ThreadBuilder()
    thread.add("deploy_backend", ["tag": "v1.6.0", "environment": "production"])
    thread.add("approval", ["approved": false, "by": "@maria", "feedback": "staging first"])
    thread.add("deploy_backend", ["tag": "v1.6.0", "environment": "staging"])
    thread.add("approval", ["approved": false, "by": "@maria", "comment": "not today"])
    thread.add("rollback_backend", ["environment": "staging", "to_tag": "v1.5.9"])
    thread.add("approval", ["approved": false, "by": "@maria"])
    var script = ReducerScript(DeployBot.reducer, thread.events)
    script.step {
      $0.steps = 1
      $0.intentCounts = ["deploy_backend": 1]
      $0.status = .awaitingApproval
      $0.pending = Pending(
        intent: "deploy_backend", kind: .approval, seq: 0,
        parameters: ["tag": "v1.6.0", "environment": "production"])
    }
    script.step {
      $0.status = .running
      $0.pending = nil
      $0.feedback = "staging first"
    }
    script.step {
      $0.steps = 2
      $0.intentCounts["deploy_backend"] = 2
      $0.status = .awaitingApproval
      $0.feedback = nil
      $0.pending = Pending(
        intent: "deploy_backend", kind: .approval, seq: 2,
        parameters: ["tag": "v1.6.0", "environment": "staging"])
    }
    script.step {
      $0.status = .running
      $0.pending = nil
      $0.feedback = "not today"
    }
    script.step {
      $0.steps = 3
      $0.intentCounts["rollback_backend"] = 1
      $0.status = .awaitingApproval
      $0.feedback = nil
      $0.pending = Pending(
        intent: "rollback_backend", kind: .approval, seq: 4,
        parameters: ["environment": "staging", "to_tag": "v1.5.9"])
    }
    script.step {
      $0.status = .running
      $0.pending = nil
      $0.feedback = ""
    }
    script.finish()
  }

  @Test func humanDecisionThenResponse() {
    var thread = ThreadBuilder()
    thread.add("slack_message", ["from": "@priya", "channel": "#deploys", "text": "deploy v1.4.2"])
    thread.add("request_clarification", ["question": "staging or production?"])
    thread.add("human_response", ["from": "@priya", "text": "staging"])
    thread.add("request_human_input", ["question": "which tag?", "urgency": "low"])
    thread.add("slack_message", ["from": "@priya", "channel": "#deploys", "text": "v1.4.2"])
    var script = ReducerScript(DeployBot.reducer, thread.events)
    script.step()
    script.step {
      $0.steps = 1
      $0.intentCounts = ["request_clarification": 1]
      $0.status = .awaitingHuman
      $0.pending = Pending(
        intent: "request_clarification", kind: .human, seq: 1,
        parameters: ["question": "staging or production?"])
    }
    script.step {
      $0.status = .running
      $0.pending = nil
    }
    script.step {
      $0.steps = 2
      $0.intentCounts["request_human_input"] = 1
      $0.status = .awaitingHuman
      $0.pending = Pending(
        intent: "request_human_input", kind: .human, seq: 3,
        parameters: ["question": "which tag?", "urgency": "low"])
    }
    // Any input answers a waiting human request.
    script.step {
      $0.status = .running
      $0.pending = nil
    }
    script.finish()
  }

  @Test func terminalDecisionThenANewMessageResumes() {
    var thread = ThreadBuilder()
    thread.add("done_for_now", ["message": "all done"])
    thread.add("slack_message", ["from": "@tom", "channel": "#deploys", "text": "one more thing"])
    var script = ReducerScript(DeployBot.reducer, thread.events)
    script.step {
      $0.steps = 1
      $0.intentCounts = ["done_for_now": 1]
      $0.status = .done
    }
    script.step { $0.status = .running }
    script.finish()
  }

  @Test func errorsCountGloballyAndResetOnResult() {
    var thread = ThreadBuilder()
    thread.add("check_deployment_status", ["service": "backend", "environment": "prod"])
    thread.add("error", ["intent": "check_deployment_status", "message": "unknown environment"])
    thread.add("run_smoke_tests", ["environment": "staging"])
    thread.add("error", ["message": "connection refused"])
    thread.add("error", ["message": "model output was not valid JSON"])
    thread.add("list_git_tags")
    thread.add("list_git_tags_result", ["tags": ["v1.0.0"]])
    var script = ReducerScript(DeployBot.reducer, thread.events)
    script.step {
      $0.steps = 1
      $0.intentCounts = ["check_deployment_status": 1]
      $0.pending = Pending(
        intent: "check_deployment_status", kind: .sync, seq: 0,
        parameters: ["service": "backend", "environment": "prod"])
    }
    script.step {
      $0.pending = nil
      $0.consecutiveErrors = 1
      $0.consecutiveErrorsByIntent = ["check_deployment_status": 1]
    }
    script.step {
      $0.steps = 2
      $0.intentCounts["run_smoke_tests"] = 1
      $0.pending = Pending(
        intent: "run_smoke_tests", kind: .sync, seq: 2, parameters: ["environment": "staging"])
    }
    // An error naming no intent counts under the pending call.
    script.step {
      $0.pending = nil
      $0.consecutiveErrors = 2
      $0.consecutiveErrorsByIntent["run_smoke_tests"] = 1
    }
    // With nothing pending it counts as undecodable model output.
    script.step {
      $0.consecutiveErrors = 3
      $0.consecutiveErrorsByIntent[ThreadReducer.undecodableIntent] = 1
    }
    #expect(script.reducer.errorCapReached(script.expected))
    script.step {
      $0.steps = 3
      $0.intentCounts["list_git_tags"] = 1
      $0.pending = Pending(intent: "list_git_tags", kind: .sync, seq: 5, parameters: [:])
    }
    // A result resets the global count and that intent's count only.
    script.step {
      $0.pending = nil
      $0.consecutiveErrors = 0
    }
    #expect(!script.reducer.errorCapReached(script.expected))
    script.finish()
  }

  @Test func perIntentErrorCounting() {
    var thread = ThreadBuilder()
    for intent in ["list_git_tags", "check_deployment_status", "list_git_tags"] {
      thread.add(intent, intent == "list_git_tags" ? [:] : ["service": "backend"])
      thread.add("error", ["intent": .string(intent), "message": "connection refused"])
    }
    thread.add("check_deployment_status", ["service": "backend"])
    thread.add("check_deployment_status_result", ["status": "healthy"])
    thread.add("list_git_tags")
    thread.add("error", ["intent": "list_git_tags", "message": "connection refused"])
    let perIntent = ThreadReducer(
      vocabulary: DeployBot.vocabulary,
      policy: ControlPolicy(errorCap: 3, countsErrorsPerIntent: true))
    let global = ThreadReducer(vocabulary: DeployBot.vocabulary)
    let states = perIntent.states(thread.events)
    // After three errors on two intents: the global cap is reached, the per-intent one is not.
    #expect(states[5].consecutiveErrors == 3)
    #expect(
      states[5].consecutiveErrorsByIntent == ["list_git_tags": 2, "check_deployment_status": 1])
    #expect(global.errorCapReached(states[5]))
    #expect(!perIntent.errorCapReached(states[5]))
    // A check_deployment_status result clears only its own count.
    #expect(states[7].consecutiveErrors == 0)
    #expect(states[7].consecutiveErrorsByIntent == ["list_git_tags": 2])
    // The third list_git_tags error reaches the per-intent cap although the global count is 1.
    let last = states[states.count - 1]
    #expect(last.consecutiveErrors == 1)
    #expect(last.consecutiveErrorsByIntent == ["list_git_tags": 3])
    #expect(perIntent.errorCapReached(last))
    #expect(!global.errorCapReached(last))
  }

  @Test(arguments: [1, 2, 3, 4])
  func errorCapReachedAtTheCap(cap: Int) {
    var thread = ThreadBuilder()
    var counts: [Int] = []
    let reducer = ThreadReducer(
      vocabulary: DeployBot.vocabulary, policy: ControlPolicy(errorCap: cap))
    for attempt in 1...5 {
      thread.add("run_smoke_tests", ["environment": "staging", "suite": "api"])
      thread.add("error", ["intent": "run_smoke_tests", "message": "runner unavailable"])
      let state = reducer.fold(thread.events)
      #expect(state.consecutiveErrors == attempt)
      #expect(reducer.errorCapReached(state) == (attempt >= cap))
      counts.append(state.consecutiveErrors)
    }
    #expect(counts == [1, 2, 3, 4, 5])
  }

  @Test func deterministicEscalationAndHumanResponse() {
    var thread = ThreadBuilder()
    for _ in 0..<3 {
      thread.add("check_deployment_status", ["service": "frontend", "environment": "production"])
      thread.add("error", ["intent": "check_deployment_status", "message": "connection refused"])
    }
    thread.add(
      "request_human_input", ["question": "3 errors in a row", "urgency": "high"],
      meta: ["escalation": true])
    thread.add("human_response", ["from": "@sre", "text": "deploy-api is restarting"])
    let reducer = DeployBot.reducer
    var script = ReducerScript(reducer, thread.events)
    let parameters: JSONValue = ["service": "frontend", "environment": "production"]
    for attempt in 1...3 {
      script.step {
        $0.steps = attempt
        $0.intentCounts = ["check_deployment_status": attempt]
        $0.pending = Pending(
          intent: "check_deployment_status", kind: .sync, seq: 2 * (attempt - 1),
          parameters: parameters)
      }
      script.step {
        $0.pending = nil
        $0.consecutiveErrors = attempt
        $0.consecutiveErrorsByIntent = ["check_deployment_status": attempt]
      }
    }
    #expect(reducer.errorCapReached(script.expected))
    script.step {
      $0.steps = 4
      $0.intentCounts["request_human_input"] = 1
      $0.status = .escalated
      $0.pending = Pending(
        intent: "request_human_input", kind: .human, seq: 6,
        parameters: ["question": "3 errors in a row", "urgency": "high"])
    }
    // The human took over: the error counts start again.
    script.step {
      $0.status = .running
      $0.pending = nil
      $0.consecutiveErrors = 0
      $0.consecutiveErrorsByIntent = [:]
    }
    script.finish()
  }

  @Test func modelEscalationAnsweredEndsTheErrorStreak() {
    let reducer = ThreadReducer(
      vocabulary: DeployBot.vocabulary, policy: ControlPolicy(escalation: .model))
    var thread = ThreadBuilder()
    for _ in 0..<3 {
      thread.add("list_git_tags")
      thread.add("error", ["intent": "list_git_tags", "message": "permission denied"])
    }
    thread.add("request_human_input", ["question": "git keeps refusing me", "urgency": "high"])
    thread.add("human_response", ["from": "@tom", "text": "deploy key fixed, try again"])
    var script = ReducerScript(reducer, thread.events)
    for attempt in 1...3 {
      script.step {
        $0.steps = attempt
        $0.intentCounts = ["list_git_tags": attempt]
        $0.pending = Pending(
          intent: "list_git_tags", kind: .sync, seq: 2 * (attempt - 1), parameters: [:])
      }
      script.step {
        $0.pending = nil
        $0.consecutiveErrors = attempt
        $0.consecutiveErrorsByIntent = ["list_git_tags": attempt]
      }
    }
    // The model escalated itself: an ordinary human request, not the runtime's escalation.
    script.step {
      $0.steps = 4
      $0.intentCounts["request_human_input"] = 1
      $0.status = .awaitingHuman
      $0.pending = Pending(
        intent: "request_human_input", kind: .human, seq: 6,
        parameters: ["question": "git keeps refusing me", "urgency": "high"])
    }
    #expect(reducer.errorCapReached(script.expected))
    // A person answered at the cap: the streak is over, or the model would be told to
    // escalate again before it could try the advice.
    script.step {
      $0.status = .running
      $0.pending = nil
      $0.consecutiveErrors = 0
      $0.consecutiveErrorsByIntent = [:]
    }
    #expect(!reducer.errorCapReached(script.expected))
    script.finish()
  }

  @Test func aHumanRequestBelowTheCapKeepsTheStreak() {
    var thread = ThreadBuilder()
    thread.add("deploy_backend", ["tag": "2.0.1", "environment": "staging"])
    thread.add("approval", ["approved": true, "by": "@marcus"])
    thread.add("error", ["intent": "deploy_backend", "message": "tag not found: 2.0.1"])
    thread.add("request_clarification", ["question": "which tag exactly?"])
    thread.add("human_response", ["from": "@marcus", "text": "v2.0.1-hotfix"])
    let state = DeployBot.reducer.fold(thread.events)
    #expect(state.status == .running)
    #expect(state.consecutiveErrors == 1)
    #expect(state.consecutiveErrorsByIntent == ["deploy_backend": 1])
  }

  @Test func aSlackReplyAnswersAnEscalation() {
    var thread = ThreadBuilder()
    for _ in 0..<3 {
      thread.add("run_smoke_tests", ["environment": "staging", "suite": "full"])
      thread.add("error", ["intent": "run_smoke_tests", "message": "no healthy workers"])
    }
    thread.add("request_human_input", ["question": "help"], meta: ["escalation": true])
    #expect(DeployBot.reducer.fold(thread.events).status == .escalated)
    thread.add("slack_message", ["from": "@priya", "channel": "#backend", "text": "runners back"])
    let state = DeployBot.reducer.fold(thread.events)
    #expect(state.status == .running)
    #expect(state.pending == nil)
    #expect(state.consecutiveErrors == 0)
    #expect(state.consecutiveErrorsByIntent == [:])
  }

  @Test func stateEncodesWithWireNames() throws {
    var thread = ThreadBuilder()
    thread.add("request_clarification", ["question": "which environment?"])
    thread.raw("human_response", seq: 5, ["from": "@tom", "text": "staging"])
    thread.add("deploy_backend", ["tag": "v1.0.0", "environment": "staging"])
    let state = DeployBot.reducer.fold(thread.events)
    let data = try JSONEncoder().encode(state)
    let decoded = try JSONDecoder().decode(ThreadState.self, from: data)
    #expect(decoded == state)
    let json = try JSONParser.parse(bytes: data)
    #expect(json["status"] == "awaiting_approval")
    #expect(json["violations"]?.arrayValue?.first?["rule"] == "seq_gap")
    #expect(json["pending"]?["kind"] == "approval")
  }

  @Test func modelEscalationIsAnOrdinaryHumanRequest() {
    var thread = ThreadBuilder()
    thread.add("request_human_input", ["question": "the deploy API keeps failing"])
    let state = DeployBot.reducer.fold(thread.events)
    #expect(state.status == .awaitingHuman)
    let escalated = DeployBot.reducer.fold([
      Event(
        thread: "t", seq: 0, type: "request_human_input", data: ["question": "help"],
        meta: ["escalation": false])
    ])
    #expect(escalated.status == .awaitingHuman)
  }

  @Test func stepBudgetEndsWithStepLimit() {
    var thread = ThreadBuilder()
    thread.add("slack_message", ["from": "@maria", "channel": "#release", "text": "watch it"])
    for _ in 0..<3 {
      thread.add("check_deployment_status", ["service": "backend", "environment": "production"])
      thread.add("check_deployment_status_result", ["status": "progressing"])
    }
    thread.add("slack_message", ["from": "@maria", "channel": "#release", "text": "well?"])
    let reducer = ThreadReducer(
      vocabulary: DeployBot.vocabulary, policy: ControlPolicy(stepBudget: 3))
    var script = ReducerScript(reducer, thread.events)
    let parameters: JSONValue = ["service": "backend", "environment": "production"]
    script.step()
    for step in 1...3 {
      script.step {
        $0.steps = step
        $0.intentCounts = ["check_deployment_status": step]
        $0.pending = Pending(
          intent: "check_deployment_status", kind: .sync, seq: 2 * step - 1,
          parameters: parameters)
        if step == 3 { $0.status = .stepLimit }
      }
      script.step { $0.pending = nil }
    }
    // Input does not reopen a thread whose budget is spent.
    script.step()
    script.finish()
  }

  @Test func stepBudgetLeavesPausesAndTerminalDecisionsAlone() {
    let reducer = ThreadReducer(
      vocabulary: DeployBot.vocabulary, policy: ControlPolicy(stepBudget: 2))
    var thread = ThreadBuilder()
    thread.add("list_git_tags")
    thread.add("list_git_tags_result", ["tags": ["v1.0.0"]])
    thread.add("deploy_backend", ["tag": "v1.0.0", "environment": "staging"])
    #expect(reducer.fold(thread.events).status == .awaitingApproval)
    thread.add("approval", ["approved": true, "by": "@tom"])
    #expect(reducer.fold(thread.events).status == .stepLimit)

    var done = ThreadBuilder()
    done.add("list_git_tags")
    done.add("list_git_tags_result", ["tags": ["v1.0.0"]])
    done.add("done_for_now", ["message": "v1.0.0"])
    #expect(reducer.fold(done.events).status == .done)

    var asking = ThreadBuilder()
    asking.add("list_git_tags")
    asking.add("list_git_tags_result", ["tags": ["v1.0.0"]])
    asking.add("request_clarification", ["question": "which environment?"])
    #expect(reducer.fold(asking.events).status == .awaitingHuman)
    asking.add("human_response", ["from": "@tom", "text": "staging"])
    #expect(reducer.fold(asking.events).status == .stepLimit)
  }

  @Test func otherEventsOnlyCount() {
    var thread = ThreadBuilder()
    thread.add("deploy_backend", ["tag": "v1.0.0", "environment": "staging"])
    thread.add("log_line", ["text": "waiting for approval"])
    var script = ReducerScript(DeployBot.reducer, thread.events)
    script.step {
      $0.steps = 1
      $0.intentCounts = ["deploy_backend": 1]
      $0.status = .awaitingApproval
      $0.pending = Pending(
        intent: "deploy_backend", kind: .approval, seq: 0,
        parameters: ["tag": "v1.0.0", "environment": "staging"])
    }
    script.step()
    script.finish()
  }
}
