import RefoldCore
import RefoldTesting
import Testing

/// The shipped reducer script: whole-state assertions per event, a field diff on failure.
@Suite struct ReducerScriptTests {
  static let reducer = ThreadReducer(
    vocabulary: Vocabulary(intents: ["list_git_tags": .sync], infersUndeclared: false),
    policy: .default)

  static func thread() -> [Event] {
    var builder = ThreadBuilder("t")
    builder.add("user_input", ["text": "tags?"])
    builder.add("list_git_tags")
    return builder.events
  }

  @Test func stepsThroughEveryEventWithTheWholeState() {
    var script = ReducerScript(Self.reducer, Self.thread())
    script.step()
    script.step {
      $0.steps = 1
      $0.intentCounts = ["list_git_tags": 1]
      $0.pending = ThreadState.Pending(
        intent: "list_git_tags", kind: .sync, seq: 1, parameters: .emptyObject)
    }
    script.finish()
  }

  @Test func aStateTheStepDidNotSayIsAnIssueWithTheFieldDiff() {
    let actual = Self.reducer.fold(Array(Self.thread().prefix(1)))
    var wrong = actual
    wrong.steps = 7
    #expect(
      StateDiff.lines(expected: wrong, actual: actual) == [
        "  steps:\n    − expected 7\n    + actual   0"
      ])
    withKnownIssue("the second step leaves out the decision") {
      var script = ReducerScript(Self.reducer, Self.thread())
      script.step()
      script.step()
    }
  }
}
