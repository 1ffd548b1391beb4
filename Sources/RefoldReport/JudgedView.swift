import Foundation
import RefoldShared

/// The judged parameters and the judge's calibration as reports show them: apart from the
/// exact parameter accuracy, each rate with its 95% Wilson interval.
///
/// summary.md, the report's header and `refold eval`'s output all say the same thing in the
/// same words.
public enum JudgedView {
  /// The judged rates of a run: every judged parameter, then `judge` and `similar` apart
  /// when the run had any of each; empty when the run judged none.
  public static func rates(_ summary: RunSummary) -> [(title: String, rate: Rate)] {
    guard let judged = summary.judged else { return [] }
    var rows: [(title: String, rate: Rate)] = [("Judged pass rate", judged.passRate)]
    if judged.judgePassRate.total > 0 { rows.append(("· judge", judged.judgePassRate)) }
    if judged.similarPassRate.total > 0 { rows.append(("· similar", judged.similarPassRate)) }
    return rows
  }

  /// `Cohen’s kappa 0.20`, or `Cohen’s kappa undefined (…)` when chance agreement is certain.
  public static func kappa(_ calibration: JudgeCalibrationSummary) -> String {
    guard let kappa = calibration.kappa else {
      return "Cohen’s kappa undefined (both raters gave one answer throughout)"
    }
    return String(format: "Cohen’s kappa %.2f", kappa)
  }

  /// One sentence on the judge against people:
  /// `agreement 60.0% [31.3–83.2] on 10 human labels (6/10), Cohen's kappa 0.20; people
  /// passed 5, the judge 1`.
  public static func sentence(_ calibration: JudgeCalibrationSummary) -> String {
    let agreement = calibration.agreement
    return "agreement \(Format.rate(agreement)) on \(calibration.labels) human labels "
      + "(\(agreement.passed)/\(agreement.total)), \(kappa(calibration)); people passed "
      + "\(calibration.humanPassed), the judge \(calibration.judgePassed)"
  }

  /// A disagreement as a line: `thread#2 message: human fail, judge pass (its reason)`.
  public static func disagreement(_ label: JudgeCalibrationSummary.Label) -> String {
    "\(label.thread)#\(label.step) \(label.path): human \(label.human ? "pass" : "fail"), "
      + "judge \(label.judge ? "pass" : "fail")" + (label.reason.map { " (\($0))" } ?? "")
  }
}
