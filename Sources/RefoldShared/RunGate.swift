/// The gate's decision on one run as `results.json` records it (`gate`): the verdict and
/// every check behind it.
///
/// The verdict is `INCOMPLETE` when the model source failed on any decision (the run was not
/// fully evaluated, whatever its rates), else `FAIL` when an evaluated check failed, else
/// `PASS`. A check whose rate has no cases (0/0) is not evaluated: it never passes and does
/// not decide the verdict.
public struct RunGate: Sendable, Hashable, Codable {
  /// The gate's verdict, as every output spells it.
  public enum Verdict: String, Sendable, Hashable, Codable, Comparable {
    case pass = "PASS"
    case fail = "FAIL"
    case incomplete = "INCOMPLETE"

    /// The worse verdict first: `INCOMPLETE`, then `FAIL`, then `PASS`.
    public static func < (left: Verdict, right: Verdict) -> Bool {
      left.severity < right.severity
    }

    private var severity: Int {
      switch self {
      case .pass: return 0
      case .fail: return 1
      case .incomplete: return 2
      }
    }
  }

  public var verdict: Verdict
  public var checks: [GateCheck]

  public init(verdict: Verdict, checks: [GateCheck]) {
    self.verdict = verdict
    self.checks = checks
  }

  /// The verdict the checks give: see the type's summary.
  public init(checks: [GateCheck]) {
    let sourceFailed = checks.contains { $0.name == GateCheck.sourceErrorsName && !$0.passed }
    let failed = checks.contains { $0.evaluated && !$0.passed }
    self.init(verdict: sourceFailed ? .incomplete : (failed ? .fail : .pass), checks: checks)
  }

  /// The worst verdict of several runs (`PASS` for none).
  public static func combined(_ verdicts: [Verdict]) -> Verdict { verdicts.max() ?? .pass }

  /// The evaluated checks that failed.
  public var failedChecks: [GateCheck] { checks.filter { $0.evaluated && !$0.passed } }
}

/// One check of the gate: what was measured against which bar, and whether it held.
public struct GateCheck: Sendable, Hashable, Codable {
  /// The name of the check that the model source answered every decision.
  public static let sourceErrorsName = "source_errors"
  /// The name of the regression check against `--baseline`.
  public static let regressionName = "regression"

  /// `min_intent_accuracy`, `min_parameter_accuracy`, `min_case_pass_rate`,
  /// `min_loop_pass_rate`, `regression` or `source_errors`.
  public var name: String
  /// The bar: a minimum rate, the p-value a regression must reach, or the source errors
  /// allowed (0).
  public var threshold: Double
  /// What the run measured (the rate, the p-value, the source errors); nil when nothing was
  /// measured (a rate with no cases).
  public var actual: Double?
  /// Whether the check held; false for a check that was not evaluated.
  public var passed: Bool
  /// Whether the check was measured at all; a rate with no cases (0/0) is not.
  public var evaluated: Bool
  /// Where the bar came from: `suite` (suite.yaml), `--min-accuracy`, `--baseline`, `run`.
  public var source: String
  /// One sentence on the outcome.
  public var detail: String

  public init(
    name: String, threshold: Double, actual: Double?, passed: Bool, evaluated: Bool = true,
    source: String, detail: String
  ) {
    self.name = name
    self.threshold = threshold
    self.actual = actual
    self.passed = passed
    self.evaluated = evaluated
    self.source = source
    self.detail = detail
  }
}
