import RefoldCore
import RefoldModels
import RefoldShared
import Testing

@testable import RefoldEval

/// The judged matchers as written in expectations, and the judge's prompt and answers.
@Suite struct JudgedMatcherTests {
  func matcher(_ text: String) throws -> ParameterMatcher {
    let node = try #require(try YAMLNode.parse(text, file: "expectations.yaml"))
    return try Expectations.parseMatcher(node)
  }

  @Test func judgedMatchersParse() throws {
    #expect(try matcher(#"{judge: "asks which environment"}"#) == .judge("asks which environment"))
    #expect(try matcher(#"{similar: "on staging"}"#) == .similar("on staging", minimum: 0.85))
    #expect(
      try matcher(#"{similar: "on staging", min: 0.5}"#) == .similar("on staging", minimum: 0.5))
    for bad in [
      #"{judge: ""}"#, #"{judge: 3}"#, #"{similar: "x", min: 1.5}"#, #"{judge: "x", min: 0.5}"#,
      #"{regex: "a", min: 0.5}"#, #"{regex: "a", human: pass}"#,
    ] {
      #expect(throws: YAMLProblem.self, "\(bad)") { try matcher(bad) }
    }
  }

  @Test func humanLabelsBelongToStepsOfJudgeMatchers() throws {
    let steps = try #require(
      try YAMLNode.parse(
        """
        - thread: t
          steps:
            - step: 2
              parameters:
                message: {judge: "asks which environment", human: fail}
        """, file: "expectations.yaml"))
    let parsed = try Expectations.parse(steps)
    let step = try #require(parsed.forThread("t").step(2, seq: 9))
    #expect(step.humanLabels == ["message": false])
    #expect(step.parameters["message"] == .judge("asks which environment"))
    let intents = try #require(
      try YAMLNode.parse(
        """
        - thread: t
          intents:
            done_for_now:
              message: {judge: "says it is done", human: pass}
        """, file: "expectations.yaml"))
    do {
      _ = try Expectations.parse(intents)
      Issue.record("a human label on an intent was accepted")
    } catch {
      #expect("\(error)".contains("expectations.yaml:4"))
      #expect("\(error)".contains("put it in a steps: entry"))
    }
  }

  @Test func judgedMatchersNeedVerdictsInStepReplayAndAcceptAnythingWithout() {
    let matchers: [String: ParameterMatcher] = ["message": .judge("says it is done")]
    let expected: JSONValue = ["message": "Done."]
    let actual: JSONValue = ["message": "Finished."]
    // Matching tool calls (no verdicts): free text decides nothing.
    #expect(
      ParameterComparison.differences(expected: expected, actual: actual, matchers: matchers)
        .isEmpty)
    #expect(
      ParameterComparison.judgedQuestions(expected: expected, actual: actual, matchers: matchers)
        == [
          JudgedQuestion(
            path: "message", matcher: .judge("says it is done"), expected: "Done.",
            actual: "Finished.")
        ])
    let refused = JudgedParameter(path: "message", matcher: "judge", passed: false, reason: "no")
    #expect(
      ParameterComparison.differences(
        expected: expected, actual: actual, matchers: matchers, verdicts: ["message": refused]
      )
      .map(\.reason) == ["the judge: no"])
    #expect(
      ParameterComparison.differences(
        expected: expected, actual: actual, matchers: matchers, verdicts: [:]
      ).map(\.matcher) == ["judge"])
  }

  @Test func judgePromptsRefuseUnknownVariablesWithTheirLine() throws {
    #expect(JudgePrompt.standard.text.contains("{{rubric}}"))
    let rendered = try JudgePrompt("R={{rubric}} E={{expected}} A={{actual}} T={{thread}}")
      .render(rubric: "r", expected: "<e>", actual: "a", thread: "t")
    #expect(rendered == "R=r E=<e> A=a T=t")
    do {
      _ = try JudgePrompt("line one\n{{rubric}}\n{{intents}}", path: "judge.mustache")
      Issue.record("an unknown variable was accepted")
    } catch {
      #expect(error.file == "judge.mustache")
      #expect(error.line == 3)
      #expect(error.message.contains("rubric, expected, actual, thread"))
    }
  }
}
