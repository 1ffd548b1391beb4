import RefoldCore

/// What an agent did right after an error.
public enum RetryBehaviour: String, Sendable, Hashable, Codable, CaseIterable {
  /// The same intent again with different parameters.
  case correctedRetry = "corrected_retry"
  /// The same intent with the same parameters.
  case identicalRetry = "identical_retry"
  /// A human-kind intent: handed over.
  case escalated
  /// A terminal intent, or an unrelated one.
  case gaveUp = "gave_up"

  /// Classifies `decision` (of `kind`) made right after `failed`; nil when there is no
  /// decision (invalid output).
  ///
  /// After undecodable output (no failed call), any valid non-human, non-terminal intent
  /// counts as a corrected retry: the model produced a valid call this time.
  public static func classify(_ decision: Intent?, kind: IntentKind?, after failed: FailedCall)
    -> RetryBehaviour?
  {
    guard let decision else { return nil }
    if kind == .human { return .escalated }
    if kind == .terminal { return .gaveUp }
    guard let call = failed.call else { return .correctedRetry }
    guard call.name == decision.name else { return .gaveUp }
    return call.parameters.numericallyEquals(decision.parameters)
      ? .identicalRetry : .correctedRetry
  }

  /// Whether this is a retry of the failed call.
  public var isRetry: Bool { self == .correctedRetry || self == .identicalRetry }
}
