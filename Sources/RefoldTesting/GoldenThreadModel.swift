import RefoldCore
import RefoldEval

/// Where the decisions of a golden-thread run come from.
public enum GoldenThreadModel: Sendable {
  /// The suite's cassettes: the recorded answers replay, a request with no recording is a
  /// source error.
  case recorded
  /// The same decider for every variant: a ``ScriptedDecider``, or your own model client.
  case decider(any Decider)
  /// A decider built for each variant from its spec.
  case factory(Evaluation.DeciderFactory)

  /// The decider factory an ``Evaluation`` asks.
  func factory(environment: [String: String]) -> Evaluation.DeciderFactory {
    switch self {
    case .decider(let decider):
      return { _, _, _ in decider }
    case .factory(let factory):
      return factory
    case .recorded:
      return SuiteModel(kind: .recorded, environment: environment).decider
    }
  }
}
