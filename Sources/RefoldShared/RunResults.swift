import RefoldCore

/// One evaluation run's results: the `results.json` format (`schema: "refold.results/v1"`).
///
/// Written by `refold eval`, read by `refold report`, `refold compare`, `refold merge` and
/// `--baseline`; `docs/results.schema.json` is its JSON Schema. Field names on the wire are
/// snake_case.
public struct RunResults: Sendable, Hashable, Codable {
  public static let schemaIdentifier = "refold.results/v1"

  public var schema: String
  public var run: RunInfo
  public var summary: RunSummary
  public var byIntent: IntentBreakdown
  public var cases: [CaseResult]
  /// The golden threads the cases refer to, by thread id, for timelines in reports.
  public var threads: [String: [Event]]?
  /// The gate's verdict and checks, when the run was gated (`refold eval` always gates).
  public var gate: RunGate?

  enum CodingKeys: String, CodingKey {
    case schema, run, summary, cases, threads, gate
    case byIntent = "by_intent"
  }

  public init(
    run: RunInfo, summary: RunSummary, byIntent: IntentBreakdown, cases: [CaseResult],
    threads: [String: [Event]]? = nil, gate: RunGate? = nil
  ) {
    self.schema = RunResults.schemaIdentifier
    self.gate = gate
    self.run = run
    self.summary = summary
    self.byIntent = byIntent
    self.cases = cases
    self.threads = threads
  }
}

/// What was run, where, when.
public struct RunInfo: Sendable, Hashable, Codable {
  /// Whether a run covers the whole suite: what a trend draws as the suite's history.
  public enum Scope: String, Sendable, Hashable, Codable, CaseIterable {
    /// Every thread of the suite in the variant's modes.
    case suite
    /// One shard (`K/N`) of such a run; merging all N gives a `suite` run.
    case shard
    /// A selection: `--thread`, or modes other than the variant's (`--mode`), sharded or not.
    case adHoc = "ad_hoc"
  }

  public var id: String
  public var suite: String
  public var variant: String
  public var modes: [String]
  /// `recorded`, `live` or `record`.
  public var modelSource: String
  public var model: String?
  public var startedAt: String
  public var finishedAt: String
  public var gitCommit: String?
  public var toolVersion: String
  /// `K/N` when this run is one shard of a suite.
  public var shard: String?
  /// Thresholds in force, for reports (`min_accuracy`, …).
  public var thresholds: [String: Double]?
  /// The run's own wall time in seconds, measured to the millisecond (absent for a merged
  /// run, whose shards ran apart: then `started_at` to `finished_at` is its span).
  public var wallSeconds: Double?
  /// Whether the run covers the whole suite; nil for runs recorded before it was kept.
  public var scope: Scope?

  enum CodingKeys: String, CodingKey {
    case id, suite, variant, modes, model, shard, thresholds, scope
    case wallSeconds = "wall_seconds"
    case modelSource = "model_source"
    case startedAt = "started_at"
    case finishedAt = "finished_at"
    case gitCommit = "git_commit"
    case toolVersion = "tool_version"
  }

  public init(
    id: String, suite: String, variant: String, modes: [String], modelSource: String,
    model: String? = nil, startedAt: String, finishedAt: String, gitCommit: String? = nil,
    toolVersion: String, shard: String? = nil, thresholds: [String: Double]? = nil,
    scope: Scope? = nil
  ) {
    self.id = id
    self.suite = suite
    self.variant = variant
    self.modes = modes
    self.modelSource = modelSource
    self.model = model
    self.startedAt = startedAt
    self.finishedAt = finishedAt
    self.gitCommit = gitCommit
    self.toolVersion = toolVersion
    self.shard = shard
    self.thresholds = thresholds
    self.scope = scope
  }

  /// Whether the run is a selection rather than the whole suite: its scope, or for a run
  /// recorded without one, a shard or fewer than half the decisions of `medianDecisions`
  /// (the suite's median run), as `--thread` gives.
  public func isAdHoc(decisions: Int, medianDecisions: Int) -> Bool {
    if let scope { return scope != .suite }
    return shard != nil || decisions * 2 < medianDecisions
  }
}

/// A proportion with its 95% Wilson score interval.
public struct Rate: Sendable, Hashable, Codable {
  public var passed: Int
  public var total: Int
  /// `passed / total`, or nil when `total` is 0.
  public var rate: Double?
  public var low: Double?
  public var high: Double?

  public init(passed: Int, total: Int, rate: Double?, low: Double?, high: Double?) {
    self.passed = passed
    self.total = total
    self.rate = rate
    self.low = low
    self.high = high
  }
}

/// The headline figures of a run.
public struct RunSummary: Sendable, Hashable, Codable {
  public var decisions: Int
  public var intentAccuracy: Rate
  /// Parameter accuracy among decisions whose intent was right.
  public var parameterAccuracy: Rate
  public var casePassRate: Rate
  public var retry: RetrySummary
  public var escalation: EscalationSummary
  public var loop: LoopSummary?
  public var tokens: TokenSummary?
  /// Decisions the model source could not answer (cassette misses, unreachable).
  public var sourceErrors: Int
  /// The `judge` and `similar` parameters' pass rates; nil when the run judged none.
  public var judged: JudgedSummary?
  /// The judge against people's `human:` labels on the run's threads; nil when none of
  /// them carries a label (or the suite names no judge).
  public var judgeCalibration: JudgeCalibrationSummary?

  enum CodingKeys: String, CodingKey {
    case decisions, retry, escalation, loop, tokens, judged
    case judgeCalibration = "judge_calibration"
    case intentAccuracy = "intent_accuracy"
    case parameterAccuracy = "parameter_accuracy"
    case casePassRate = "case_pass_rate"
    case sourceErrors = "source_errors"
  }

  public init(
    decisions: Int, intentAccuracy: Rate, parameterAccuracy: Rate, casePassRate: Rate,
    retry: RetrySummary, escalation: EscalationSummary, loop: LoopSummary? = nil,
    tokens: TokenSummary? = nil, sourceErrors: Int = 0, judged: JudgedSummary? = nil
  ) {
    self.decisions = decisions
    self.intentAccuracy = intentAccuracy
    self.parameterAccuracy = parameterAccuracy
    self.casePassRate = casePassRate
    self.retry = retry
    self.escalation = escalation
    self.loop = loop
    self.tokens = tokens
    self.sourceErrors = sourceErrors
    self.judged = judged
  }
}

/// How the agent behaved after errors.
public struct RetrySummary: Sendable, Hashable, Codable {
  /// Decision points that came right after an error.
  public var afterError: Int
  public var correctedRetry: Int
  public var identicalRetry: Int
  public var gaveUp: Int
  public var escalated: Int
  /// Retries beyond the error cap.
  public var overRetries: Int
  /// Share of after-error decisions whose behaviour matched the golden thread.
  public var expectedBehaviour: Rate

  enum CodingKeys: String, CodingKey {
    case escalated
    case afterError = "after_error"
    case correctedRetry = "corrected_retry"
    case identicalRetry = "identical_retry"
    case gaveUp = "gave_up"
    case overRetries = "over_retries"
    case expectedBehaviour = "expected_behaviour"
  }

  public init(
    afterError: Int, correctedRetry: Int, identicalRetry: Int, gaveUp: Int, escalated: Int,
    overRetries: Int, expectedBehaviour: Rate
  ) {
    self.afterError = afterError
    self.correctedRetry = correctedRetry
    self.identicalRetry = identicalRetry
    self.gaveUp = gaveUp
    self.escalated = escalated
    self.overRetries = overRetries
    self.expectedBehaviour = expectedBehaviour
  }
}

/// When the agent handed over to a human, against when it should have.
public struct EscalationSummary: Sendable, Hashable, Codable {
  public var onTime: Int
  public var early: Int
  public var late: Int
  public var never: Int
  /// Escalations expected and made on time, over escalations expected or made.
  public var onTimeRate: Rate

  enum CodingKeys: String, CodingKey {
    case early, late, never
    case onTime = "on_time"
    case onTimeRate = "on_time_rate"
  }

  public init(onTime: Int, early: Int, late: Int, never: Int, onTimeRate: Rate) {
    self.onTime = onTime
    self.early = early
    self.late = late
    self.never = never
    self.onTimeRate = onTimeRate
  }
}

/// Closed-loop runs.
public struct LoopSummary: Sendable, Hashable, Codable {
  public var runs: Int
  public var passRate: Rate
  public var divergences: Int
  public var meanSteps: Double?

  enum CodingKeys: String, CodingKey {
    case runs, divergences
    case passRate = "pass_rate"
    case meanSteps = "mean_steps"
  }

  public init(runs: Int, passRate: Rate, divergences: Int, meanSteps: Double?) {
    self.runs = runs
    self.passRate = passRate
    self.divergences = divergences
    self.meanSteps = meanSteps
  }
}

/// Tokens spent, when the source reported usage.
public struct TokenSummary: Sendable, Hashable, Codable {
  public var input: Int
  public var output: Int
  public var decisionsWithUsage: Int
  public var perDecision: Double?

  enum CodingKeys: String, CodingKey {
    case input, output
    case decisionsWithUsage = "decisions_with_usage"
    case perDecision = "per_decision"
  }

  public init(input: Int, output: Int, decisionsWithUsage: Int, perDecision: Double?) {
    self.input = input
    self.output = output
    self.decisionsWithUsage = decisionsWithUsage
    self.perDecision = perDecision
  }
}

/// Per-intent confusion matrix and precision/recall.
public struct IntentBreakdown: Sendable, Hashable, Codable {
  /// Row and column labels: expected intents (rows) and actual intents (columns), including
  /// `(failure)` for undecodable output.
  public var labels: [String]
  /// `matrix[expected][actual]` counts.
  public var matrix: [[Int]]
  public var intents: [String: IntentScore]

  public init(labels: [String], matrix: [[Int]], intents: [String: IntentScore]) {
    self.labels = labels
    self.matrix = matrix
    self.intents = intents
  }
}

/// Precision and recall for one intent.
public struct IntentScore: Sendable, Hashable, Codable {
  public var support: Int
  public var predicted: Int
  public var truePositives: Int
  public var precision: Double?
  public var recall: Double?

  enum CodingKeys: String, CodingKey {
    case support, predicted, precision, recall
    case truePositives = "true_positives"
  }

  public init(
    support: Int, predicted: Int, truePositives: Int, precision: Double?, recall: Double?
  ) {
    self.support = support
    self.predicted = predicted
    self.truePositives = truePositives
    self.precision = precision
    self.recall = recall
  }
}

/// One scored case: a teacher-forced decision (step mode) or a closed-loop run (loop mode).
public struct CaseResult: Sendable, Hashable, Codable {
  public enum Verdict: String, Sendable, Hashable, Codable {
    case pass
    case wrongIntent = "wrong_intent"
    case wrongParameters = "wrong_parameters"
    /// The model's output could not be decoded into a valid intent.
    case invalidOutput = "invalid_output"
    /// The model source failed (cassette miss, unreachable).
    case sourceError = "source_error"
    /// A loop run whose behaviour broke an expectation.
    case behaviourFailed = "behaviour_failed"
    /// A loop run asked for a tool call the recording cannot answer.
    case diverged
  }

  /// Stable case id: `thread#k` for step k, `thread@loop` for a loop run.
  public var id: String
  public var thread: String
  public var mode: String
  /// The decision index within the thread (step mode).
  public var step: Int?
  /// The `seq` of the golden decision event (step mode).
  public var seq: Int?
  public var expected: Intent?
  /// Alternative intents the expectations accept.
  public var accepted: [String]?
  public var actual: Intent?
  /// The decoding failure or source error message, when there was no intent.
  public var failure: String?
  public var verdict: Verdict
  public var parameterDiff: [ParameterDifference]?
  /// What the judge or the embeddings said about each judged parameter (`judge`, `similar`).
  public var judged: [JudgedParameter]?
  /// Retry behaviour at a decision right after an error: `corrected_retry`,
  /// `identical_retry`, `gave_up`, `escalated`.
  public var retryBehaviour: String?
  /// What the golden thread did at that point (same vocabulary).
  public var expectedRetryBehaviour: String?
  /// True when the decision retried the failed intent although consecutive errors had
  /// already reached the error cap (a retry the runtime would not have allowed).
  public var overRetry: Bool?
  public var exchangeKey: String?
  public var usage: TokenUsage?
  public var latencyMilliseconds: Double?
  /// The rendered prompt and context the model saw (may be omitted for passing cases).
  public var context: String?
  /// The provider's raw response (may be omitted for passing cases).
  public var rawResponse: JSONValue?
  /// Loop mode: what happened.
  public var behaviour: LoopBehaviour?

  enum CodingKeys: String, CodingKey {
    case id, thread, mode, step, seq, expected, accepted, actual, failure, verdict, usage
    case context, behaviour, judged
    case parameterDiff = "parameter_diff"
    case retryBehaviour = "retry_behaviour"
    case expectedRetryBehaviour = "expected_retry_behaviour"
    case overRetry = "over_retry"
    case exchangeKey = "exchange_key"
    case latencyMilliseconds = "latency_ms"
    case rawResponse = "raw_response"
  }

  public init(
    id: String, thread: String, mode: String, step: Int? = nil, seq: Int? = nil,
    expected: Intent? = nil, accepted: [String]? = nil, actual: Intent? = nil,
    failure: String? = nil, verdict: Verdict, parameterDiff: [ParameterDifference]? = nil,
    retryBehaviour: String? = nil, expectedRetryBehaviour: String? = nil,
    exchangeKey: String? = nil, usage: TokenUsage? = nil, latencyMilliseconds: Double? = nil,
    context: String? = nil, rawResponse: JSONValue? = nil, behaviour: LoopBehaviour? = nil,
    overRetry: Bool? = nil
  ) {
    self.id = id
    self.thread = thread
    self.mode = mode
    self.step = step
    self.seq = seq
    self.expected = expected
    self.accepted = accepted
    self.actual = actual
    self.failure = failure
    self.verdict = verdict
    self.parameterDiff = parameterDiff
    self.retryBehaviour = retryBehaviour
    self.expectedRetryBehaviour = expectedRetryBehaviour
    self.exchangeKey = exchangeKey
    self.usage = usage
    self.latencyMilliseconds = latencyMilliseconds
    self.context = context
    self.rawResponse = rawResponse
    self.behaviour = behaviour
    self.overRetry = overRetry
  }

  /// Whether the case passed.
  public var passed: Bool { verdict == .pass }
}

/// One parameter that did not match.
public struct ParameterDifference: Sendable, Hashable, Codable {
  /// A JSON-path-like location: `tag`, `services[1]`, `config.replicas`.
  public var path: String
  public var expected: JSONValue?
  public var actual: JSONValue?
  /// The matcher that rejected it (`exact`, `regex`, …).
  public var matcher: String
  public var reason: String

  public init(
    path: String, expected: JSONValue?, actual: JSONValue?, matcher: String, reason: String
  ) {
    self.path = path
    self.expected = expected
    self.actual = actual
    self.matcher = matcher
    self.reason = reason
  }
}

/// What a closed-loop run did.
public struct LoopBehaviour: Sendable, Hashable, Codable {
  public var steps: Int
  public var finalStatus: ThreadState.Status
  public var terminalIntent: String?
  public var retries: Int
  public var escalated: Bool
  /// `on_time`, `early`, `late`, `never`, or nil when no escalation was expected or made.
  public var escalationTiming: String?
  public var divergence: Divergence?
  public var checks: [BehaviourCheck]
  /// The events the run produced.
  public var events: [Event]
  /// Each model call the run made, in order, with its own context and answer (absent in
  /// files written before calls were kept).
  public var modelCalls: [LoopModelCall]?

  enum CodingKeys: String, CodingKey {
    case steps, retries, escalated, divergence, checks, events
    case modelCalls = "model_calls"
    case finalStatus = "final_status"
    case terminalIntent = "terminal_intent"
    case escalationTiming = "escalation_timing"
  }

  public init(
    steps: Int, finalStatus: ThreadState.Status, terminalIntent: String?, retries: Int,
    escalated: Bool, escalationTiming: String?, divergence: Divergence?,
    checks: [BehaviourCheck], events: [Event], modelCalls: [LoopModelCall]? = nil
  ) {
    self.steps = steps
    self.finalStatus = finalStatus
    self.terminalIntent = terminalIntent
    self.retries = retries
    self.escalated = escalated
    self.escalationTiming = escalationTiming
    self.divergence = divergence
    self.checks = checks
    self.events = events
    self.modelCalls = modelCalls
  }
}

/// A tool call in loop replay that the recording cannot answer.
public struct Divergence: Sendable, Hashable, Codable {
  public var step: Int
  public var expected: Intent?
  public var actual: Intent
  public var parameterDiff: [ParameterDifference]

  enum CodingKeys: String, CodingKey {
    case step, expected, actual
    case parameterDiff = "parameter_diff"
  }

  public init(step: Int, expected: Intent?, actual: Intent, parameterDiff: [ParameterDifference]) {
    self.step = step
    self.expected = expected
    self.actual = actual
    self.parameterDiff = parameterDiff
  }
}

/// One expected-behaviour check of a loop run (`retries_at_most`, `escalates`, …).
public struct BehaviourCheck: Sendable, Hashable, Codable {
  public var name: String
  public var passed: Bool
  public var detail: String

  public init(name: String, passed: Bool, detail: String) {
    self.name = name
    self.passed = passed
    self.detail = detail
  }
}
