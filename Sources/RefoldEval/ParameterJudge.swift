import RefoldCore
import RefoldShared

/// Answers `judge` and `similar` matchers: a judge model's verdict on a value, or the
/// similarity of two texts' embeddings.
///
/// ```swift
/// let judge = ModelParameterJudge(judge: source, judgeModel: "gpt-4o-mini")
/// let verdict = try await judge.verdict(for: question, thread: "deploy-1", context: context)
/// ```
public protocol ParameterJudge: Sendable {
  /// The verdict on one parameter; `context` is what the agent saw when it decided.
  ///
  /// - Throws: ``JudgeError`` when the judge or the embeddings model cannot answer or
  ///   answers something that is not a verdict: the case is a source error.
  func verdict(for question: JudgedQuestion, thread: String, context: String)
    async throws(JudgeError) -> JudgedParameter

  /// A judge for one independent replay (recorded answers count from the first again).
  func session() -> any ParameterJudge
}
