import Foundation
import RefoldCore
import RefoldShared

/// Writes `summary.md`: a short summary for a pull-request comment or a CI step summary.
///
/// It gives the gate's verdict (`PASS`, `FAIL`, `INCOMPLETE`, the one the exit code gives)
/// with every check, the rates with their intervals against the thresholds applied, the change
/// against a baseline when one is given, and the worst regressions with links into the HTML
/// report (`report.html#case=<id>`).
public struct MarkdownSummaryWriter: Sendable {
  public static let fileName = "summary.md"

  /// Where links to cases point: the HTML report, relative to the summary by default.
  public var reportLink: String
  /// Regressions (or failing cases, without a baseline) listed at most.
  public var maxListed: Int

  public init(reportLink: String = HTMLReportWriter.fileName, maxListed: Int = 10) {
    self.reportLink = reportLink
    self.maxListed = maxListed
  }

  /// Writes `summary.md` into `directory` atomically.
  /// - Parameter baseline: the comparison of this run against its baseline, when there is one.
  /// - Returns: the path written.
  @discardableResult
  public func write(
    _ results: RunResults, variants: [RunResults] = [], baseline: Comparison? = nil,
    to directory: String
  ) throws -> String {
    try ReportFile.write(
      render(results, variants: variants, baseline: baseline),
      named: MarkdownSummaryWriter.fileName, in: directory)
  }

  /// The verdict as the summary's heading shows it: a pass mark only for `PASS`.
  public static func status(_ verdict: RunGate.Verdict) -> String {
    switch verdict {
    case .pass: return "✅ PASS"
    case .fail: return "❌ FAIL"
    case .incomplete: return "⚠️ INCOMPLETE"
    }
  }

  /// The Markdown text.
  ///
  /// - Parameter variants: the evaluation's further variants; the heading's verdict is the
  ///   evaluation's (the worst of every variant's), the one the exit code gives.
  public func render(
    _ results: RunResults, variants: [RunResults] = [], baseline: Comparison? = nil
  ) -> String {
    let run = results.run
    let summary = results.summary
    let gate = GateView.gate(of: results)
    let verdict = GateView.verdict(of: [results] + variants)
    var lines: [String] = []
    lines.append(
      "### Refold · \(MarkdownSummaryWriter.inline(run.suite)) · "
        + "\(MarkdownSummaryWriter.inline(run.variant)) — \(Self.status(verdict))")
    lines.append("")
    lines.append("**Gate: \(verdict.rawValue)**")
    lines.append("")
    for check in gate.checks {
      let mark: String
      if !check.evaluated {
        mark = "➖"
      } else if !check.passed {
        mark = "❌"
      } else {
        mark = gate.verdict == .incomplete ? "⚠️" : "✅"
      }
      lines.append(
        "- \(mark) \(MarkdownSummaryWriter.inline(GateView.title(check))): "
          + "\(GateView.outcome(check)) — \(MarkdownSummaryWriter.inline(check.detail))"
          + (check.source == "run" || check.source == "suite"
            ? "" : " (\(MarkdownSummaryWriter.inline(check.source)))"))
    }
    for other in variants {
      lines.append(
        "- variant \(MarkdownSummaryWriter.inline(other.run.variant)): "
          + GateView.gate(of: other).verdict.rawValue)
    }
    lines.append("")
    lines.append(
      "\(summary.decisions) decisions · run `\(MarkdownSummaryWriter.code(run.id))` · "
        + "model source \(MarkdownSummaryWriter.inline(run.modelSource))"
        + (run.model.map { " · \(MarkdownSummaryWriter.inline($0))" } ?? "")
        + (summary.sourceErrors > 0 ? " · **\(summary.sourceErrors) source errors**" : ""))
    lines.append("")
    var header = "| rate | value | 95% CI | threshold |"
    var rule = "|---|---:|---|---|"
    if baseline != nil {
      header += " Δ vs baseline | 95% CI of Δ |"
      rule += "---:|---|"
    }
    lines.append(header)
    lines.append(rule)
    for metric in HeadlineRate.allCases {
      let rate = metric.rate(in: summary)
      var threshold = "–"
      if let check = GateView.check(metric, in: results) {
        let mark: String
        if !check.evaluated {
          mark = "➖"
        } else if !check.passed {
          mark = "❌"
        } else {
          mark = gate.verdict == .incomplete ? "⚠️" : "✅"
        }
        threshold = "\(mark) ≥ \(Format.percent(check.threshold))"
      }
      var row =
        "| \(metric.title) | \(Format.percent(rate.rate)) (\(rate.passed)/\(rate.total)) | "
        + "\(Format.percent(rate.low))–\(Format.percent(rate.high)) | \(threshold) |"
      if let baseline, let paired = baseline.rates.first(where: { $0.metric == metric }) {
        row +=
          " \(Format.points(paired.difference)) | "
          + "\(Format.points(paired.low)) … \(Format.points(paired.high)) |"
      }
      lines.append(row)
    }
    lines.append("")
    if let baseline {
      lines.append(
        "Against `\(MarkdownSummaryWriter.code(baseline.baseline.runID))` "
          + "(\(MarkdownSummaryWriter.inline(baseline.baseline.variant))) on "
          + "\(baseline.sharedCases) shared cases: \(baseline.regressions.count) regressed, "
          + "\(baseline.improvements.count) improved, McNemar "
          + "\(Format.pEquals(baseline.mcnemar.pValue))."
          + tokenSentence(baseline.tokens))
      lines.append("")
      if !baseline.regressions.isEmpty {
        lines.append("**Regressions** (passed before, fail now):")
        lines.append("")
        for item in baseline.regressions.prefix(maxListed) {
          let what =
            item.expected.map { expected in
              "expected `\(MarkdownSummaryWriter.code(expected))`, now "
                + "`\(MarkdownSummaryWriter.code(item.candidateActual ?? "no intent"))`"
            } ?? "loop run"
          lines.append(
            "- [\(MarkdownSummaryWriter.inline(item.id))](\(link(item.id))) — \(what) "
              + "(\(item.candidateVerdict.rawValue))")
        }
        if baseline.regressions.count > maxListed {
          lines.append("- … and \(baseline.regressions.count - maxListed) more")
        }
        lines.append("")
      }
    } else {
      let failing = results.cases.filter { !$0.passed }
      if !failing.isEmpty {
        lines.append("**Failing cases** (\(failing.count)):")
        lines.append("")
        for result in failing.prefix(maxListed) {
          lines.append(
            "- [\(MarkdownSummaryWriter.inline(result.id))](\(link(result.id))) — "
              + "\(result.verdict.rawValue): "
              + MarkdownSummaryWriter.inline(JUnitReportWriter.message(result)))
        }
        if failing.count > maxListed { lines.append("- … and \(failing.count - maxListed) more") }
        lines.append("")
      }
    }
    lines.append("Full report: [\(reportLink)](\(reportLink))")
    return lines.joined(separator: "\n") + "\n"
  }

  func tokenSentence(_ tokens: Comparison.Tokens) -> String {
    guard let before = tokens.baselinePerDecision, let after = tokens.candidatePerDecision else {
      return ""
    }
    return " Tokens per decision: \(Format.decimal(before, digits: 0)) → "
      + "\(Format.decimal(after, digits: 0))."
  }

  func link(_ id: String) -> String {
    var allowed = CharacterSet.alphanumerics
    allowed.insert(charactersIn: "-._~@")
    let encoded = id.addingPercentEncoding(withAllowedCharacters: allowed) ?? id
    return "\(reportLink)#case=\(encoded)"
  }

  /// Text safe in Markdown prose: HTML-escaped, Markdown punctuation backslash-escaped,
  /// newlines flattened.
  static func inline(_ text: String) -> String {
    var output = ""
    for character in Escaping.html(text) {
      switch character {
      case "\\", "`", "*", "_", "[", "]", "|", "~": output += "\\\(character)"
      case "\n", "\r", "\u{2028}", "\u{2029}": output += " "
      default: output.append(character)
      }
    }
    return output
  }

  /// Text safe inside a single-backtick code span: backticks and newlines removed.
  static func code(_ text: String) -> String {
    String(text.map { $0 == "`" ? "'" : ($0.isNewline ? " " : $0) })
  }
}
