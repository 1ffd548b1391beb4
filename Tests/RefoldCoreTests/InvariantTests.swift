import RefoldTesting
import Testing

@testable import RefoldCore

/// A thread that breaks an invariant folds to a state that says so, and the fold goes on.
@Suite struct InvariantTests {
  typealias Pending = ThreadState.Pending

  @Test func seqGap() {
    var thread = ThreadBuilder()
    thread.add("slack_message", ["from": "@tom", "channel": "#deploys", "text": "tags?"])
    thread.raw("list_git_tags", seq: 3)
    thread.raw("list_git_tags_result", seq: 4, ["tags": []])
    var script = ReducerScript(DeployBot.reducer, thread.events)
    script.step()
    script.step {
      $0.steps = 1
      $0.intentCounts = ["list_git_tags": 1]
      $0.pending = Pending(intent: "list_git_tags", kind: .sync, seq: 3, parameters: [:])
      $0.violations = [
        InvariantViolation(rule: .seqGap, seq: 3, detail: "expected seq 1, found 3")
      ]
    }
    script.step { $0.pending = nil }
    script.finish()
    #expect(!DeployBot.reducer.fold(thread.events).isSound)
  }

  @Test func seqRepeatAndGoingBack() {
    var thread = ThreadBuilder()
    thread.add("slack_message", ["from": "@tom", "channel": "#deploys", "text": "a"])
    thread.add("slack_message", ["from": "@tom", "channel": "#deploys", "text": "b"])
    thread.raw("slack_message", seq: 1, ["from": "@tom", "channel": "#deploys", "text": "b"])
    thread.raw("slack_message", seq: 0, ["from": "@tom", "channel": "#deploys", "text": "a"])
    var script = ReducerScript(DeployBot.reducer, thread.events)
    script.step()
    script.step()
    script.step {
      $0.violations.append(
        InvariantViolation(
          rule: .seqRepeat, seq: 1, detail: "seq 1 repeats or goes back (expected 2)"))
    }
    script.step {
      $0.violations.append(
        InvariantViolation(
          rule: .seqRepeat, seq: 0, detail: "seq 0 repeats or goes back (expected 2)"))
    }
    script.finish()
  }

  @Test func foreignThread() {
    var thread = ThreadBuilder("deploy-a")
    thread.add("slack_message", ["from": "@tom", "channel": "#deploys", "text": "a"])
    thread.raw("slack_message", seq: 1, thread: "deploy-b", ["from": "@tom", "text": "b"])
    var script = ReducerScript(DeployBot.reducer, thread.events)
    script.step()
    script.step {
      $0.violations = [
        InvariantViolation(
          rule: .foreignThread, seq: 1,
          detail: "event belongs to thread \"deploy-b\", not \"deploy-a\"")
      ]
    }
    script.finish()
  }

  @Test func approvalWithNothingPending() {
    var thread = ThreadBuilder()
    thread.add("slack_message", ["from": "@tom", "channel": "#deploys", "text": "go"])
    thread.add("approval", ["approved": true, "by": "@tom"])
    thread.add("list_git_tags")
    thread.add("approval", ["approved": false, "by": "@tom", "feedback": "no"])
    var script = ReducerScript(DeployBot.reducer, thread.events)
    script.step()
    script.step {
      $0.violations = [
        InvariantViolation(
          rule: .approvalWithoutPending, seq: 1,
          detail: "an approval arrived with no decision awaiting approval")
      ]
    }
    script.step {
      $0.steps = 1
      $0.intentCounts = ["list_git_tags": 1]
      $0.pending = Pending(intent: "list_git_tags", kind: .sync, seq: 2, parameters: [:])
    }
    // A sync call is not awaiting approval either; it stays pending.
    script.step {
      $0.violations.append(
        InvariantViolation(
          rule: .approvalWithoutPending, seq: 3,
          detail: "an approval arrived with no decision awaiting approval"))
    }
    script.finish()
  }

  @Test func resultWithNoCall() {
    var thread = ThreadBuilder()
    thread.add("deploy_backend_result", ["status": "succeeded"])
    thread.add("deploy_backend", ["tag": "v1.0.0", "environment": "staging"])
    thread.add("tool_response", ["status": "succeeded"])
    thread.add("approval", ["approved": true, "by": "@tom"])
    thread.add("list_git_tags_result", ["tags": []])
    var script = ReducerScript(DeployBot.reducer, thread.events)
    script.step {
      $0.violations = [
        InvariantViolation(
          rule: .resultWithoutCall, seq: 0,
          detail: "a result for \"deploy_backend\" arrived with no call waiting for it")
      ]
    }
    script.step {
      $0.steps = 1
      $0.intentCounts = ["deploy_backend": 1]
      $0.status = .awaitingApproval
      $0.pending = Pending(
        intent: "deploy_backend", kind: .approval, seq: 1,
        parameters: ["tag": "v1.0.0", "environment": "staging"])
    }
    // A result before the approval: the call has not run.
    script.step {
      $0.violations.append(
        InvariantViolation(
          rule: .resultWithoutCall, seq: 2,
          detail: "a result for a tool arrived with no call waiting for it"))
    }
    script.step {
      $0.status = .running
      $0.pending?.kind = .sync
    }
    // The result of another intent does not answer the call.
    script.step {
      $0.violations.append(
        InvariantViolation(
          rule: .resultWithoutCall, seq: 4,
          detail: "a result for \"list_git_tags\" arrived with no call waiting for it"))
    }
    script.finish()
  }

  @Test func humanResponseWithNoRequest() {
    var thread = ThreadBuilder()
    thread.add("human_response", ["from": "@tom", "text": "staging"])
    thread.add("deploy_backend", ["tag": "v1.0.0", "environment": "staging"])
    thread.add("human_response", ["from": "@tom", "text": "yes"])
    var script = ReducerScript(DeployBot.reducer, thread.events)
    let violation = { (seq: Int) in
      InvariantViolation(
        rule: .responseWithoutRequest, seq: seq,
        detail: "a human response arrived while no decision asked for one")
    }
    script.step { $0.violations = [violation(0)] }
    script.step {
      $0.steps = 1
      $0.intentCounts = ["deploy_backend": 1]
      $0.status = .awaitingApproval
      $0.pending = Pending(
        intent: "deploy_backend", kind: .approval, seq: 1,
        parameters: ["tag": "v1.0.0", "environment": "staging"])
    }
    // A human response is not an approval: the call still waits.
    script.step { $0.violations.append(violation(2)) }
    script.finish()
  }

  @Test func emptyThreadFoldsToInitial() {
    expectState(DeployBot.reducer.fold([]), equals: .initial)
    #expect(DeployBot.reducer.states([]).isEmpty)
    expectState(DeployBot.reducer.fold([], upTo: 5), equals: .initial)
  }

  @Test func foldUpToClampsAndMatchesStates() {
    var thread = ThreadBuilder()
    thread.add("list_git_tags")
    thread.add("list_git_tags_result", ["tags": ["v1.0.0"]])
    thread.add("done_for_now", ["message": "v1.0.0"])
    let states = DeployBot.reducer.states(thread.events)
    expectState(DeployBot.reducer.fold(thread.events, upTo: -1), equals: .initial)
    expectState(DeployBot.reducer.fold(thread.events, upTo: 0), equals: .initial)
    for count in 1...3 {
      expectState(DeployBot.reducer.fold(thread.events, upTo: count), equals: states[count - 1])
    }
    expectState(DeployBot.reducer.fold(thread.events, upTo: 99), equals: states[2])
  }
}
