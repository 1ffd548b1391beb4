import Foundation
import RefoldCore
import RefoldShared

/// Writes `summary.md`: a short summary for a pull-request comment or a CI step summary.
///
/// It heads with the evaluation's verdict (`PASS`, `FAIL`, `INCOMPLETE`, the one the exit
/// code gives), then, for every variant, its verdict, gate checks and rates with their
/// intervals against the thresholds applied; then the comparisons (between variants and
/// against a baseline) and the worst regressions first, linked into the HTML report
/// (`report.html#case=<id>`). Without comparisons it lists each variant's first failing cases.
///
/// Links are relative to the summary unless ``reportURL`` gives the base they are published
/// under (`--report-url`): a summary pasted into a pull-request comment needs absolute links.
public struct MarkdownSummaryWriter: Sendable {
  public static let fileName = "summary.md"

  /// The URL the report directory is published under (`https://ci.example/run/42/`), or nil
  /// for links relative to the summary.
  public var reportURL: String?
  /// Regressions (or failing cases per variant, without comparisons) listed at most.
  public var maxListed: Int

  public init(reportURL: String? = nil, maxListed: Int = 10) {
    self.reportURL = reportURL.flatMap { $0.isEmpty ? nil : $0 }
    self.maxListed = maxListed
  }

  /// Writes `summary.md` for one run into `directory` atomically.
  ///
  /// - Parameters:
  ///   - variants: the evaluation's further variants.
  ///   - baseline: the comparison against `--baseline`, when there is one.
  /// - Returns: the path written.
  @discardableResult
  public func write(
    _ results: RunResults, variants: [RunResults] = [], baseline: Comparison? = nil,
    to directory: String
  ) throws -> String {
    try write(runs: [results] + variants, baseline: baseline, to: directory)
  }

  /// Writes `summary.md` for an evaluation's runs into `directory` atomically.
  ///
  /// - Parameters:
  ///   - comparisons: the comparisons between the evaluation's variants.
  ///   - baseline: the comparison against `--baseline`, when there is one.
  /// - Returns: the path written.
  @discardableResult
  public func write(
    runs: [RunResults], comparisons: [Comparison] = [], baseline: Comparison? = nil,
    to directory: String
  ) throws -> String {
    try ReportFile.write(
      render(runs: runs, comparisons: comparisons, baseline: baseline),
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

  /// The Markdown text for one run and the evaluation's further `variants`.
  public func render(
    _ results: RunResults, variants: [RunResults] = [], baseline: Comparison? = nil
  ) -> String {
    render(runs: [results] + variants, baseline: baseline)
  }

  /// The Markdown text for an evaluation's runs.
  ///
  /// The heading's verdict is the evaluation's: the worst of every variant's.
  public func render(
    runs: [RunResults], comparisons: [Comparison] = [], baseline: Comparison? = nil
  ) -> String {
    let failing = runs.map { results in
      var list = FailingCaseList(limit: maxListed)
      for result in results.cases { list.add(result) }
      return list
    }
    return render(runs: runs, failing: failing, comparisons: comparisons, baseline: baseline)
  }

  /// The Markdown text for an evaluation's runs (their heads: no case is read) and each
  /// run's failing cases.
  func render(
    runs: [RunResults], failing: [FailingCaseList], comparisons: [Comparison],
    baseline: Comparison?
  ) -> String {
    guard let first = runs.first else { return "### Refold — no runs\n" }
    let verdict = GateView.verdict(of: runs)
    let several = runs.count > 1
    var lines: [String] = []
    lines.append(
      "### Refold · \(Self.inline(first.run.suite)) · "
        + "\(runs.map { Self.inline($0.run.variant) }.joined(separator: ", ")) — "
        + Self.status(verdict))
    lines.append("")
    lines.append(
      "**Gate: \(verdict.rawValue)**" + (several ? " (the worst of \(runs.count) variants)" : ""))
    lines.append("")
    if several {
      lines.append(contentsOf: variantTable(runs, evaluation: verdict))
      lines.append("")
    }
    for (index, results) in runs.enumerated() {
      let against = baseline.flatMap { $0.candidate.runID == results.run.id ? $0 : nil }
      lines.append(
        contentsOf: section(results, baseline: against, titled: several, evaluation: verdict))
      if comparisons.isEmpty && baseline == nil {
        lines.append(
          contentsOf: failingCases(
            index < failing.count ? failing[index] : FailingCaseList(limit: 0),
            variant: results.run.variant, several: several))
      }
    }
    lines.append(contentsOf: calibrationSection(runs))
    let all = (baseline.map { [$0] } ?? []) + comparisons
    if !all.isEmpty {
      lines.append(contentsOf: comparisonSection(all, baseline: baseline, several: several))
      lines.append(contentsOf: regressionList(all, runs: runs))
    }
    var footer = "Full report: [\(HTMLReportWriter.fileName)](\(link(HTMLReportWriter.fileName)))"
    if !all.isEmpty {
      footer +=
        " · comparison: [\(ComparisonWriter.htmlFileName)]"
        + "(\(link(ComparisonWriter.htmlFileName)))"
    }
    lines.append(footer)
    return lines.joined(separator: "\n") + "\n"
  }

  /// One row per variant: its run, verdict and headline rates.
  func variantTable(_ runs: [RunResults], evaluation: RunGate.Verdict) -> [String] {
    var lines = [
      "| variant | run | verdict | "
        + HeadlineRate.allCases.map(\.title).joined(separator: " | ")
        + " | source errors |",
      "|---|---|---|" + String(repeating: "---:|", count: HeadlineRate.allCases.count + 1),
    ]
    for results in runs {
      let rates = HeadlineRate.allCases.map { metric in
        let rate = metric.rate(in: results.summary)
        return "\(Format.percent(rate.rate)) (\(rate.passed)/\(rate.total))"
      }
      lines.append(
        "| \(Self.inline(results.run.variant)) | `\(Self.code(results.run.id))` | "
          + "\(variantStatus(GateView.gate(of: results).verdict, evaluation: evaluation)) | "
          + rates.joined(separator: " | ") + " | \(results.summary.sourceErrors) |")
    }
    return lines
  }

  /// A variant's checks, facts and rates (with the change against `baseline`).
  func section(
    _ results: RunResults, baseline: Comparison?, titled: Bool, evaluation: RunGate.Verdict
  ) -> [String] {
    let run = results.run
    let summary = results.summary
    let gate = GateView.gate(of: results)
    var lines: [String] = []
    if titled {
      lines.append(
        "#### \(Self.inline(run.variant)) — "
          + variantStatus(gate.verdict, evaluation: evaluation))
      lines.append("")
    }
    for check in gate.checks {
      lines.append(
        "- \(mark(check, evaluation: evaluation)) \(Self.inline(GateView.title(check))): "
          + "\(GateView.outcome(check)) — \(Self.inline(check.detail))"
          + (check.source == "run" || check.source == "suite"
            ? "" : " (\(Self.inline(check.source)))"))
    }
    lines.append("")
    lines.append(
      "\(summary.decisions) decisions · run `\(Self.code(run.id))` · "
        + "model source \(Self.inline(run.modelSource))"
        + (run.model.map { " · \(Self.inline($0))" } ?? "")
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
        threshold = "\(mark(check, evaluation: evaluation)) ≥ \(Format.percent(check.threshold))"
      }
      var row =
        "| \(metric.title) | \(Format.percent(rate.rate)) (\(rate.passed)/\(rate.total)) | "
        + (rate.low == nil ? "–" : "\(Format.percent(rate.low))–\(Format.percent(rate.high))")
        + " | \(threshold) |"
      if let baseline, let paired = baseline.rates.first(where: { $0.metric == metric }) {
        row +=
          " \(Format.points(paired.difference)) | "
          + "\(Format.points(paired.low)) … \(Format.points(paired.high)) |"
      }
      lines.append(row)
    }
    // Judged parameters, apart from the exact parameter accuracy.
    for (title, rate) in JudgedView.rates(summary) {
      var threshold = "–"
      if title == "Judged pass rate",
        let check = gate.checks.first(where: { $0.name == "min_judged_pass_rate" })
      {
        threshold = "\(mark(check, evaluation: evaluation)) ≥ \(Format.percent(check.threshold))"
      }
      lines.append(
        "| \(title) | \(Format.percent(rate.rate)) (\(rate.passed)/\(rate.total)) | "
          + (rate.low == nil ? "–" : "\(Format.percent(rate.low))–\(Format.percent(rate.high))")
          + " | \(threshold) |" + (baseline != nil ? " – | – |" : ""))
    }
    lines.append("")
    return lines
  }

  /// The judge against people's labels, with its first disagreements; empty without labels.
  ///
  /// The check is the judge's, the same for every variant, so it is shown once.
  func calibrationSection(_ runs: [RunResults]) -> [String] {
    guard let calibration = runs.lazy.compactMap(\.summary.judgeCalibration).first else {
      return []
    }
    var lines = [
      "**Judge against people:** " + Self.inline(JudgedView.sentence(calibration)) + ".", "",
    ]
    let listed = calibration.disagreements.prefix(maxListed)
    for label in listed {
      lines.append("- " + Self.inline(JudgedView.disagreement(label)))
    }
    if calibration.disagreements.count > listed.count {
      lines.append("- … and \(calibration.disagreements.count - listed.count) more")
    }
    if !listed.isEmpty { lines.append("") }
    return lines
  }

  /// A check's mark: ➖ not evaluated, ❌ failed, ✅ held (⚠️ in an incomplete evaluation,
  /// which never shows a pass mark).
  func mark(_ check: GateCheck, evaluation: RunGate.Verdict) -> String {
    if !check.evaluated { return "➖" }
    if !check.passed { return "❌" }
    return evaluation == .incomplete ? "⚠️" : "✅"
  }

  /// A variant's verdict: with its mark, except that a variant that passed in an evaluation
  /// that did not shows no pass mark (the evaluation's verdict is the one that counts).
  func variantStatus(_ verdict: RunGate.Verdict, evaluation: RunGate.Verdict) -> String {
    verdict == .pass && evaluation != .pass ? verdict.rawValue : Self.status(verdict)
  }

  /// The first failing cases of a run, for a summary without comparisons.
  func failingCases(_ failing: FailingCaseList, variant name: String, several: Bool) -> [String] {
    guard failing.count > 0 else { return [] }
    let variant = several ? name : nil
    var lines = [
      "**Failing cases**" + (several ? " of \(Self.inline(name))" : "")
        + " (\(failing.count)):",
      "",
    ]
    for entry in failing.listed.prefix(maxListed) {
      lines.append(
        "- [\(Self.inline(entry.id))](\(caseLink(entry.id, variant: variant))) — "
          + "\(entry.verdict.rawValue): " + Self.inline(entry.message))
    }
    if failing.count > maxListed { lines.append("- … and \(failing.count - maxListed) more") }
    lines.append("")
    return lines
  }

  /// One row per comparison, then the sentence on the `--baseline` comparison.
  func comparisonSection(_ comparisons: [Comparison], baseline: Comparison?, several: Bool)
    -> [String]
  {
    var lines = [
      "#### Comparisons", "",
      "| comparison | shared cases | Δ intent accuracy | Δ parameter accuracy | "
        + "Δ case pass rate (95% CI) | regressed | improved | McNemar |",
      "|---|---:|---:|---:|---|---:|---:|---|",
    ]
    for comparison in comparisons {
      let casePass = comparison.casePassRate
      lines.append(
        "| \(label(comparison, isBaseline: comparison == baseline)) | \(comparison.sharedCases) | "
          + "\(Format.points(comparison.intentAccuracy.difference)) | "
          + "\(Format.points(comparison.parameterAccuracy.difference)) | "
          + "\(Format.points(casePass.difference)) "
          + "(\(Format.points(casePass.low)) … \(Format.points(casePass.high))) | "
          + "\(comparison.regressions.count) | \(comparison.improvements.count) | "
          + (comparison.isEmpty
            ? "no shared cases to test |"
            : "\(Format.pEquals(comparison.mcnemar.pValue)), \(significance(comparison)) |"))
    }
    lines.append("")
    if let baseline {
      lines.append(
        "Against `\(Self.code(baseline.baseline.runID))` "
          + "(\(Self.inline(baseline.baseline.variant))) on "
          + "\(baseline.sharedCases) shared cases: \(baseline.regressions.count) regressed, "
          + "\(baseline.improvements.count) improved, McNemar "
          + "\(Format.pEquals(baseline.mcnemar.pValue)) (\(significance(baseline)))."
          + tokenSentence(baseline.tokens))
      lines.append("")
    }
    return lines
  }

  /// `baseline → concise-json`; a `--baseline` run is named by its id.
  func label(_ comparison: Comparison, isBaseline: Bool) -> String {
    let candidate = Self.inline(comparison.candidate.variant)
    guard isBaseline else {
      return "\(Self.inline(comparison.baseline.variant)) → \(candidate)"
    }
    return "baseline run `\(Self.code(comparison.baseline.runID))` → \(candidate)"
  }

  /// `significant at α = 0.05` (with `— significant regression` for a significant drop) or
  /// `not significant`.
  func significance(_ comparison: Comparison) -> String {
    guard comparison.mcnemar.pValue < Comparison.alpha else { return "not significant" }
    return "significant at α = 0.05"
      + (comparison.isSignificantRegression(alpha: Comparison.alpha)
        ? " — significant regression" : "")
  }

  /// The regressions of every comparison, the worst comparison first: significant
  /// regressions, then the largest drop in case pass rate.
  func regressionList(_ comparisons: [Comparison], runs: [RunResults]) -> [String] {
    let ordered = comparisons.enumerated().sorted { left, right in
      let leftSignificant = left.element.isSignificantRegression(alpha: Comparison.alpha)
      let rightSignificant = right.element.isSignificantRegression(alpha: Comparison.alpha)
      if leftSignificant != rightSignificant { return leftSignificant }
      let leftDrop = left.element.casePassRate.difference ?? 0
      let rightDrop = right.element.casePassRate.difference ?? 0
      if leftDrop != rightDrop { return leftDrop < rightDrop }
      return left.offset < right.offset
    }.map(\.element)
    let total = ordered.map(\.regressions.count).reduce(0, +)
    guard total > 0 else { return [] }
    let several = Set(runs.map(\.run.variant)).count > 1
    var lines = ["**Worst regressions** (passed before, fail now), worst comparison first:", ""]
    var listed = 0
    for comparison in ordered {
      for item in comparison.regressions where listed < maxListed {
        let what =
          item.expected.map { expected in
            "expected `\(Self.code(expected))`, now "
              + "`\(Self.code(item.candidateActual ?? "no intent"))`"
          } ?? "loop run"
        let variant = several ? comparison.candidate.variant : nil
        let prefix = comparisons.count > 1 ? "\(label(comparison, isBaseline: false)): " : ""
        lines.append(
          "- [\(Self.inline(item.id))](\(caseLink(item.id, variant: variant))) — \(prefix)"
            + "\(what) (\(item.candidateVerdict.rawValue))")
        listed += 1
      }
    }
    if total > listed { lines.append("- … and \(total - listed) more") }
    lines.append("")
    return lines
  }

  func tokenSentence(_ tokens: Comparison.Tokens) -> String {
    guard let before = tokens.baselinePerDecision, let after = tokens.candidatePerDecision else {
      return ""
    }
    return " Tokens per decision: \(Format.decimal(before, digits: 0)) → "
      + "\(Format.decimal(after, digits: 0))."
  }

  /// A file of the report directory: relative, or under ``reportURL``.
  func link(_ file: String) -> String {
    guard let reportURL else { return file }
    return reportURL.hasSuffix("/") ? reportURL + file : reportURL + "/" + file
  }

  /// `report.html#case=<id>`, with `&variant=<name>` when the page holds several variants.
  func caseLink(_ id: String, variant: String? = nil) -> String {
    var link = "\(link(HTMLReportWriter.fileName))#case=\(Self.fragment(id))"
    if let variant { link += "&variant=\(Self.fragment(variant))" }
    return link
  }

  static func fragment(_ text: String) -> String {
    var allowed = CharacterSet.alphanumerics
    allowed.insert(charactersIn: "-._~@")
    return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
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
