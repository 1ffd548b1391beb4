import RefoldCore

/// Overrides for one decision of a golden thread.
public struct StepExpectation: Sendable, Hashable {
  /// Which decision: its index among the thread's decisions (0-based), or its event's `seq`.
  public enum Selector: Sendable, Hashable {
    case step(Int)
    case seq(Int)
  }

  public var selector: Selector
  /// Matchers by parameter path (`tag`, `config.replicas`, `services[1]`, `$`).
  public var parameters: [String: ParameterMatcher]
  /// Other intents that also count as right at this point (their parameters are not compared).
  public var acceptedIntents: [String]
  /// Drop this decision from scoring.
  public var ignore: Bool
  /// People's verdicts on the golden value of judged parameters, by path (`human: pass`):
  /// what `refold judge check` compares the judge with.
  public var humanLabels: [String: Bool] = [:]

  public init(
    selector: Selector, parameters: [String: ParameterMatcher] = [:],
    acceptedIntents: [String] = [], ignore: Bool = false
  ) {
    self.selector = selector
    self.parameters = parameters
    self.acceptedIntents = acceptedIntents
    self.ignore = ignore
  }
}
