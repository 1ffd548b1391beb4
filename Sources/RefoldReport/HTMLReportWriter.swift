import Foundation
import RefoldCore
import RefoldShared

/// Writes `report.html`: one self-contained page (inline CSS, script and SVG; no network).
///
/// The page shows the headline rates with their 95% intervals against the 80% wall and the
/// suite's thresholds, the trend of the suite's runs per variant, the per-intent confusion
/// matrix with precision and recall, retry and escalation outcomes, and a filterable case
/// table with a drill-down per case (timeline up to the decision point, expected against
/// actual, parameter diff, the context the model saw and its raw response). The cases are
/// embedded as a compact JSON block and rendered a page at a time, so a run of 100,000
/// decisions stays responsive. Every string from threads, fixtures and model responses is
/// escaped in Swift or set through `textContent` in the script.
///
/// ```swift
/// let writer = HTMLReportWriter(history: try runStore.runs(suite: results.run.suite))
/// try writer.write(results, to: layout.directory)
/// ```
public struct HTMLReportWriter: Sendable {
  public static let fileName = "report.html"

  /// Earlier runs of the suite (any variants), for the trend charts.
  public var history: [RunRecord]
  /// Cases shown per page of the case table.
  public var rowsPerPage: Int
  /// Longest embedded text (context, raw response, event data) in bytes; longer text is cut
  /// with a note pointing at `results.json`.
  public var maxEmbeddedText: Int
  /// Most timeline events embedded; threads with failing cases are embedded first.
  public var maxTimelineEvents: Int
  /// Most bytes of timelines embedded, so that a run of 100,000 decisions stays a page a
  /// browser opens (about 25 MB in all); past it the drill-down points at `results.json`.
  public var maxTimelineBytes: Int
  /// Most bytes of contexts and raw responses embedded (failing cases, in case order);
  /// past it the drill-down points at `results.json`.
  public var maxDetailBytes: Int
  /// The evaluation's id, shown in the header when it differs from its runs' (several
  /// variants).
  public var evaluationID: String?
  /// The comparison page beside the report (`comparison.html`), linked from the header when
  /// there is one.
  public var comparisonLink: String?

  public init(
    history: [RunRecord] = [], rowsPerPage: Int = 100, maxEmbeddedText: Int = 16_384,
    maxTimelineEvents: Int = 400_000, maxDetailBytes: Int = 8_000_000,
    maxTimelineBytes: Int = 6_000_000
  ) {
    self.history = history
    self.rowsPerPage = rowsPerPage
    self.maxEmbeddedText = maxEmbeddedText
    self.maxTimelineEvents = maxTimelineEvents
    self.maxTimelineBytes = maxTimelineBytes
    self.maxDetailBytes = maxDetailBytes
  }

  /// Writes `report.html` for one run into `directory` atomically.
  /// - Returns: the path written.
  @discardableResult
  public func write(_ results: RunResults, to directory: String) throws -> String {
    try write(variants: [results], to: directory)
  }

  /// Writes `report.html` for the variants of one evaluation (same suite, same cases).
  /// - Returns: the path written.
  @discardableResult
  public func write(variants runs: [RunResults], to directory: String) throws -> String {
    let builder = try builder(for: runs)
    return try ReportFile.write(named: HTMLReportWriter.fileName, in: directory) { output in
      try write(runs, built: builder, into: output)
    }
  }

  /// The page's bytes for the variants of one evaluation.
  ///
  /// - Throws: ``ReportError`` when a spool file cannot be written.
  public func render(variants runs: [RunResults]) throws -> Data {
    let builder = try builder(for: runs)
    var page = Data()
    try write(runs, built: builder) { page.append(contentsOf: $0) }
    return page
  }

  /// A builder fed with whole runs' threads, as an evaluation streams them.
  private func builder(for runs: [RunResults]) throws -> HTMLDataBuilder {
    let builder = try HTMLDataBuilder(writer: self, variants: runs.count)
    for (index, results) in runs.enumerated() {
      for thread in ThreadCases.split(results) { try builder.add(variant: index, thread) }
    }
    return builder
  }

  /// Writes the page for the runs' heads (no case is read from them) and the data block
  /// `builder` was fed with.
  func write(
    _ runs: [RunResults], built builder: HTMLDataBuilder, into output: ([UInt8]) throws -> Void
  ) throws {
    defer { builder.abandon() }
    var page: [UInt8] = []
    let suite = runs.first?.run.suite ?? "refold"
    page.append(contentsOf: head(title: "Refold · \(suite)").utf8)
    page.append(contentsOf: header(runs).utf8)
    for run in runs { page.append(contentsOf: overview(run, variants: runs.count).utf8) }
    page.append(contentsOf: trends(runs).utf8)
    page.append(contentsOf: intentSection(runs).utf8)
    page.append(contentsOf: behaviourSection(runs).utf8)
    page.append(contentsOf: caseSection(runs, intents: builder.intents).utf8)
    page.append(contentsOf: "<script type=\"application/json\" id=\"refold-data\">".utf8)
    try output(page)
    try builder.finish(variants: runs.map(\.run.variant), into: output)
    page = Array("</script>\n<script>\n".utf8)
    page.append(
      contentsOf: HTMLReportWriter.script.replacingOccurrences(
        of: "ROWS_PER_PAGE", with: String(max(1, rowsPerPage))
      ).utf8)
    page.append(contentsOf: "</script>\n</body>\n</html>\n".utf8)
    try output(page)
  }

  func head(title: String) -> String {
    """
    <!DOCTYPE html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <meta http-equiv="Content-Security-Policy" content="default-src 'none'; \
    style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
    <title>\(Escaping.html(title))</title>
    <style>
    \(HTMLReportWriter.style)
    </style>
    </head>
    <body>

    """
  }

  func header(_ runs: [RunResults]) -> String {
    guard let first = runs.first else { return "<header><h1>Refold report</h1></header>\n" }
    let info = first.run
    var facts: [(String, String)] = []
    if let evaluationID, runs.count > 1 { facts.append(("evaluation", evaluationID)) }
    if runs.count > 1 {
      for results in runs { facts.append(("run · \(results.run.variant)", results.run.id)) }
    } else {
      facts.append(("run", info.id))
    }
    facts.append(("variants", runs.map(\.run.variant).joined(separator: ", ")))
    var modes: [String] = []
    for mode in runs.flatMap(\.run.modes) where !modes.contains(mode) { modes.append(mode) }
    facts.append(("modes", modes.joined(separator: ", ")))
    facts.append(("model source", info.modelSource))
    if Set(runs.map(\.run.model)).count > 1 {
      for results in runs {
        facts.append(("model · \(results.run.variant)", results.run.model ?? "–"))
      }
    } else if let model = info.model {
      facts.append(("model", model))
    }
    facts.append(("started", runs.map(\.run.startedAt).min() ?? info.startedAt))
    facts.append(("finished", runs.map(\.run.finishedAt).max() ?? info.finishedAt))
    if let commit = info.gitCommit { facts.append(("commit", commit)) }
    if let shard = info.shard { facts.append(("shard", shard)) }
    if let scope = info.scope { facts.append(("scope", HTMLReportWriter.scopeText(scope))) }
    facts.append(("refold", info.toolVersion))
    var html = "<header><h1>\(Escaping.html(info.suite))</h1><dl class=\"facts\">"
    for (name, value) in facts {
      html += "<div><dt>\(Escaping.html(name))</dt><dd>\(Escaping.html(value))</dd></div>"
    }
    html += "</dl>"
    if let comparisonLink {
      let target = Escaping.html(comparisonLink)
      html += "<p class=\"hint\"><a id=\"comparison-link\" href=\"\(target)\">"
      html += "Paired comparison (\(target))</a></p>"
    }
    html += judgedFacts(runs)
    html += gateBanner(runs) + "</header>\n<main>\n"
    return html
  }

  /// The judged rates of each run apart from exact parameter accuracy, and the judge against
  /// people's labels; empty when no run judged anything or carried labels.
  func judgedFacts(_ runs: [RunResults]) -> String {
    var facts: [(String, String)] = []
    for results in runs {
      let suffix = runs.count > 1 ? " · \(results.run.variant)" : ""
      for (title, rate) in JudgedView.rates(results.summary) {
        facts.append((title + suffix, "\(Format.rate(rate)) · \(rate.passed)/\(rate.total)"))
      }
    }
    // The calibration is the judge's, the same for every variant of an evaluation.
    let calibration = runs.lazy.compactMap(\.summary.judgeCalibration).first
    if let calibration {
      facts.append(("judge against people", JudgedView.sentence(calibration)))
    }
    guard !facts.isEmpty else { return "" }
    var html = "<dl class=\"facts\" id=\"judged\">"
    for (name, value) in facts {
      html += "<div><dt>\(Escaping.html(name))</dt><dd>\(Escaping.html(value))</dd></div>"
    }
    html += "</dl>"
    if let calibration, !calibration.disagreements.isEmpty {
      html += "<details class=\"hint\" id=\"judge-disagreements\"><summary>"
      html += "\(calibration.disagreements.count) disagreements with people</summary><ul>"
      for label in calibration.disagreements {
        html += "<li>\(Escaping.html(JudgedView.disagreement(label)))</li>"
      }
      html += "</ul></details>"
    }
    return html
  }

  /// What a run's scope means, for the header.
  static func scopeText(_ scope: RunInfo.Scope) -> String {
    switch scope {
    case .suite: return "the whole suite"
    case .shard: return "ad hoc: one shard of the suite"
    case .adHoc: return "ad hoc: a selection of threads or modes"
    }
  }

  /// The verdict banner: the evaluation's `PASS`, `FAIL` or `INCOMPLETE` (the one the exit
  /// code gives), with every variant's checks.
  func gateBanner(_ runs: [RunResults]) -> String {
    let verdict = GateView.verdict(of: runs)
    var html = "<div class=\"gate-banner \(verdict.rawValue.lowercased())\" id=\"gate\" "
    html += "data-verdict=\"\(verdict.rawValue)\"><strong>\(verdict.rawValue)</strong>"
    html += "<ul>"
    for results in runs {
      let gate = GateView.gate(of: results)
      for check in gate.checks {
        let prefix = runs.count > 1 ? Escaping.html(results.run.variant) + ": " : ""
        html += "<li data-check=\"\(Escaping.html(check.name))\" "
        html += "data-outcome=\"\(Escaping.html(GateView.outcome(check)))\">\(prefix)"
        html +=
          "\(Escaping.html(GateView.title(check))) — \(Escaping.html(GateView.outcome(check))): "
        html += "\(Escaping.html(check.detail))</li>"
      }
    }
    html += "</ul></div>"
    return html
  }

  func overview(_ results: RunResults, variants: Int) -> String {
    let summary = results.summary
    var html = "<section class=\"overview\">"
    html += "<h2>\(variants > 1 ? "Variant " + Escaping.html(results.run.variant) : "Quality")</h2>"
    html += "<div class=\"cards\">"
    for metric in HeadlineRate.allCases {
      let rate = metric.rate(in: summary)
      let badge: String
      if let check = GateView.check(metric, in: results) {
        let bar = Format.percent(check.threshold)
        if !check.evaluated {
          badge = "<span class=\"badge muted\">not evaluated (\(bar))</span>"
        } else if !check.passed {
          badge = "<span class=\"badge bad\">below \(bar)</span>"
        } else if GateView.gate(of: results).verdict == .incomplete {
          badge = "<span class=\"badge muted\">\(bar), run incomplete</span>"
        } else {
          badge = "<span class=\"badge ok\">meets \(bar)</span>"
        }
      } else {
        badge = ""
      }
      html += "<div class=\"card\"><div class=\"card-title\">\(metric.title)</div>"
      html += "<div class=\"card-value\">\(Format.percent(rate.rate))</div>"
      html +=
        "<div class=\"card-detail\">95% CI \(Format.percent(rate.low))–\(Format.percent(rate.high))"
      html += " · \(rate.passed)/\(rate.total)</div>\(badge)</div>"
    }
    html += "<div class=\"card\"><div class=\"card-title\">Decisions</div>"
    html += "<div class=\"card-value\">\(summary.decisions)</div><div class=\"card-detail\">"
    if let tokens = summary.tokens {
      html += "\(Format.decimal(tokens.perDecision, digits: 0)) tokens/decision"
    }
    if summary.sourceErrors > 0 { html += " · <b>\(summary.sourceErrors) source errors</b>" }
    html += "</div></div></div>"
    html += Charts.rates(
      HeadlineRate.allCases.map { metric in
        Charts.RateRow(
          title: metric.title, rate: metric.rate(in: summary),
          threshold: metric.threshold(in: results.run))
      })
    html += "</section>\n"
    return html
  }

  func trends(_ runs: [RunResults]) -> String {
    var html = "<section><h2>Trend</h2><div class=\"trend-grid\">"
    for results in runs {
      var records = history.filter {
        $0.info.variant == results.run.variant && $0.info.suite == results.run.suite
      }
      if !records.contains(where: { $0.info.id == results.run.id }) {
        records.append(RunRecord(info: results.run, summary: results.summary))
      }
      records.sort { $0.info.startedAt < $1.info.startedAt }
      // An ad-hoc run (a shard, `--thread`, `--mode`; for runs recorded without a scope, a
      // shard or under half the decisions of the suite's median run) is marked, not joined
      // to the lines.
      let sizes = records.map(\.summary.decisions).sorted()
      let median = sizes.isEmpty ? 0 : sizes[sizes.count / 2]
      let points = records.map { record in
        let started = record.info.startedAt
        return Charts.TrendPoint(
          label: record.info.id, date: String(started.prefix(10)),
          caseRate: record.summary.casePassRate, intentRate: record.summary.intentAccuracy,
          time: started.count >= 16 ? String(started.dropFirst(11).prefix(5)) : "",
          current: record.info.id == results.run.id,
          partial: record.info.isAdHoc(
            decisions: record.summary.decisions, medianDecisions: median),
          scope: record.info.scope?.rawValue)
      }
      html += "<figure><figcaption>\(Escaping.html(results.run.variant)) · \(records.count) run"
      html += records.count == 1 ? "" : "s"
      html += "</figcaption>"
      html += Charts.trend(points, threshold: HeadlineRate.casePassRate.threshold(in: results.run))
      html += "</figure>"
    }
    html += "</div></section>\n"
    return html
  }

  func intentSection(_ runs: [RunResults]) -> String {
    var html = "<section><h2>By intent</h2>"
    for results in runs {
      let breakdown = results.byIntent
      if runs.count > 1 {
        html += "<h3>\(Escaping.html(results.run.variant))</h3>"
      }
      html += "<div class=\"split\"><div class=\"scroll\"><table class=\"matrix\"><thead><tr>"
      html += "<th class=\"corner\">expected ↓ · actual →</th>"
      for label in breakdown.labels {
        html += "<th class=\"rot\"><span>\(Escaping.html(label))</span></th>"
      }
      html += "</tr></thead><tbody>"
      for (row, label) in breakdown.labels.enumerated() {
        let counts = row < breakdown.matrix.count ? breakdown.matrix[row] : []
        let total = counts.reduce(0, +)
        html += "<tr><th>\(Escaping.html(label))</th>"
        for column in breakdown.labels.indices {
          let count = column < counts.count ? counts[column] : 0
          let share = total == 0 ? 0 : Double(count) / Double(total)
          let hue = row == column ? "46,160,67" : "214,39,40"
          let alpha = count == 0 ? 0 : 0.12 + 0.78 * share
          html += "<td style=\"background:rgba(\(hue),\(Format.decimal(alpha, digits: 2)))\""
          html +=
            " title=\"\(Escaping.html(label)) → \(Escaping.html(breakdown.labels[column])): \(count)\">"
          html += count == 0 ? "" : String(count)
          html += "</td>"
        }
        html += "</tr>"
      }
      html += "</tbody></table></div>"
      html +=
        "<div class=\"scroll\"><table class=\"scores\"><thead><tr><th>intent</th><th>support</th><th>predicted</th>"
      html += "<th>precision</th><th>recall</th></tr></thead><tbody>"
      for name in breakdown.intents.keys.sorted() {
        guard let score = breakdown.intents[name] else { continue }
        html +=
          "<tr><td>\(Escaping.html(name))</td><td>\(score.support)</td><td>\(score.predicted)</td>"
        html +=
          "<td>\(Format.percent(score.precision))</td><td>\(Format.percent(score.recall))</td></tr>"
      }
      html += "</tbody></table></div></div>"
    }
    html += "</section>\n"
    return html
  }

  func behaviourSection(_ runs: [RunResults]) -> String {
    var html =
      "<section><h2>Retries and escalation</h2><div class=\"scroll\"><table class=\"behaviour\">"
    html += "<thead><tr><th></th>"
    for results in runs { html += "<th>\(Escaping.html(results.run.variant))</th>" }
    html += "</tr></thead><tbody>"
    func row(_ title: String, _ value: (RunSummary) -> String) {
      html += "<tr><th>\(Escaping.html(title))</th>"
      for results in runs { html += "<td>\(value(results.summary))</td>" }
      html += "</tr>"
    }
    row("decisions right after an error") { "\($0.retry.afterError)" }
    row("corrected retry") { "\($0.retry.correctedRetry)" }
    row("identical retry") { "\($0.retry.identicalRetry)" }
    row("gave up") { "\($0.retry.gaveUp)" }
    row("escalated") { "\($0.retry.escalated)" }
    row("retries beyond the error cap") { "\($0.retry.overRetries)" }
    row("behaved as the golden thread") { Format.rate($0.retry.expectedBehaviour) }
    row("escalations on time") { "\($0.escalation.onTime)" }
    row("escalations early / late / never") {
      "\($0.escalation.early) / \($0.escalation.late) / \($0.escalation.never)"
    }
    row("on-time escalation rate") { Format.rate($0.escalation.onTimeRate) }
    if runs.contains(where: { $0.summary.loop != nil }) {
      row("loop runs") { $0.loop.map { "\($0.runs)" } ?? "–" }
      row("loop pass rate") { $0.loop.map { Format.rate($0.passRate) } ?? "–" }
      row("divergences") { $0.loop.map { "\($0.divergences)" } ?? "–" }
      row("mean steps") { Format.decimal($0.loop?.meanSteps) }
    }
    html += "</tbody></table></div></section>\n"
    return html
  }

  /// The case table's section; `intents` are the cases' expected and actual intents.
  func caseSection(_ runs: [RunResults], intents: Set<String>) -> String {
    let several = runs.count > 1
    var html = "<section id=\"cases\"><h2>Cases</h2>"
    if several {
      html += "<p class=\"hint\">One row per decision point (and loop run), a column per "
      html += "variant with its verdict and decision; rows where the variants differ are "
      html += "highlighted. Select a cell to open that variant's drill-down.</p>"
    }
    html += "<form class=\"filters\" id=\"filters\">"
    html += "<label><input type=\"checkbox\" id=\"f-failed\" checked> failed only</label>"
    if several {
      html += "<label><input type=\"checkbox\" id=\"f-differs\"> variants differ</label>"
    }
    html += "<label>verdict <select id=\"f-verdict\"><option value=\"\">all</option>"
    for (index, verdict) in HTMLReportWriter.verdicts.enumerated() {
      html += "<option value=\"\(index)\">\(Escaping.html(verdict.rawValue))</option>"
    }
    html += "</select></label>"
    html += "<label>intent (expected or actual) <select id=\"f-intent\">"
    html += "<option value=\"\">all</option>"
    for name in intents.sorted() {
      html += "<option value=\"\(Escaping.html(name))\">\(Escaping.html(name))</option>"
    }
    html += "</select></label>"
    html += "<label\(several ? "" : " hidden")>variant <select id=\"f-variant\">"
    html += "<option value=\"\">all</option>"
    for (index, results) in runs.enumerated() {
      html += "<option value=\"\(index)\">\(Escaping.html(results.run.variant))</option>"
    }
    html += "</select></label><label>mode <select id=\"f-mode\"><option value=\"\">all</option>"
    html += "<option value=\"0\">step</option><option value=\"1\">loop</option></select></label>"
    html += "<label class=\"grow\">search <input type=\"search\" id=\"f-text\" "
    html += "placeholder=\"thread text, parameters, context, raw answer, case id, intent\">"
    html += "</label></form>"
    html += "<div class=\"cases-layout\"><div class=\"cases-list\">"
    html += "<div class=\"pager\" id=\"pager\"></div><div class=\"scroll matrix-box\">"
    html += "<table class=\"cases\" id=\"case-matrix\"><thead id=\"case-head\"></thead>"
    html += "<tbody id=\"case-rows\"></tbody></table></div>"
    html += "<div class=\"pager\" id=\"pager-bottom\"></div>"
    html +=
      "<noscript><p>The case table needs JavaScript; the cases are in results.json.</p></noscript>"
    html += "</div><aside class=\"detail\" id=\"detail\" tabindex=\"-1\">"
    html += "<p class=\"hint\">Select a case to see its "
    html += "timeline, the parameter diff, the context the model saw and its raw response.</p>"
    html += "</aside></div></section>\n</main>\n"
    return html
  }
}
