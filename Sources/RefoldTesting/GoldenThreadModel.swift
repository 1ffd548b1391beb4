import Foundation
import RefoldCore
import RefoldEval
import RefoldModels

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
      return { suite, variant, spec in
        guard let path = suite.cassettePath(for: variant),
          FileManager.default.fileExists(atPath: path)
        else {
          throw RefoldTestingError.noCassette(
            variant: variant.name, path: suite.cassettePath(for: variant))
        }
        let source = try ModelSourceKind.recorded.makeSource(
          settings: spec.model, cassette: try JSONLCassette(path: path), environment: environment)
        return try ModelDecider(spec: spec, source: source)
      }
    }
  }
}
