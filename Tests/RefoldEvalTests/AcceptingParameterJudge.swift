import RefoldCore
import RefoldEval
import RefoldShared

/// A judge that accepts every value it is asked about (the demo suite judges its closing
/// messages), for evaluations whose decider answers with the golden decisions.
struct AcceptingParameterJudge: ParameterJudge {
  func verdict(for question: JudgedQuestion, thread: String, context: String)
    async throws(JudgeError) -> JudgedParameter
  {
    JudgedParameter(
      path: question.path, matcher: question.matcher.name, passed: true, reason: "accepted")
  }

  func session() -> any ParameterJudge { self }
}
