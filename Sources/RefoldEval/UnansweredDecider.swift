import RefoldCore

/// A decider whose model source cannot answer at all: every decision fails with `error`.
///
/// An evaluation of several variants uses it for a variant whose cassette is missing, so
/// the other variants are still scored and that variant's decisions are counted as source
/// errors (the evaluation is then `INCOMPLETE`).
struct UnansweredDecider: Decider {
  /// Why no decision can be answered, as each case's failure gives it.
  var error: EvaluationError

  func decide(thread: String, events: [Event]) async throws -> Decision {
    throw error
  }
}
