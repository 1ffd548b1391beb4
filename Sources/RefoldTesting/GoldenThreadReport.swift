import RefoldCore
import RefoldEval
import RefoldShared

/// What ``expectGoldenThreads(suite:variant:model:modes:minimumPassRate:environment:recordIssue:sourceLocation:)``
/// found: the evaluation, its failing cases and the issues recorded for them.
public struct GoldenThreadReport: Sendable {
  /// The evaluation: every variant's scored run and its gate.
  public var result: EvaluationResult
  /// The cases that did not pass (source errors included), variant by variant.
  public var failingCases: [(variant: String, result: CaseResult)]
  /// The issues recorded, in order.
  public var issues: [GoldenThreadIssue]

  /// Cases evaluated, over every variant.
  public var caseCount: Int { result.runs.reduce(0) { $0 + $1.results.cases.count } }

  /// The share of cases that passed, or nil when there were none.
  public var passRate: Double? {
    caseCount == 0 ? nil : Double(caseCount - failingCases.count) / Double(caseCount)
  }
}
