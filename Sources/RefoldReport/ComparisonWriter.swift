import Foundation
import RefoldCore

/// Writes a comparison's `comparison.json` (`refold.comparison/v1`) and `comparison.html`.
///
/// The page is self-contained (inline CSS, no script) and escapes every string.
public struct ComparisonWriter: Sendable {
  public static let jsonFileName = "comparison.json"
  public static let htmlFileName = "comparison.html"

  /// Flipped cases listed per direction on the page.
  public var maxFlipped: Int

  public init(maxFlipped: Int = 200) {
    self.maxFlipped = maxFlipped
  }

  /// Writes `comparison.json` and `comparison.html` into `directory` atomically.
  /// - Returns: the paths written (JSON, HTML).
  @discardableResult
  public func write(_ comparisons: [Comparison], to directory: String) throws -> [String] {
    [
      try ReportFile.write(
        Comparison.jsonData(comparisons), named: ComparisonWriter.jsonFileName, in: directory),
      try ReportFile.write(
        renderHTML(comparisons), named: ComparisonWriter.htmlFileName, in: directory),
    ]
  }

  /// The comparison page.
  public func renderHTML(_ comparisons: [Comparison]) -> String {
    let suite = comparisons.first?.baseline.suite ?? "refold"
    var html = HTMLReportWriter().head(title: "Refold comparison · \(suite)")
    html += "<header><h1>Comparison · \(Escaping.html(suite))</h1>"
    if let first = comparisons.first {
      html +=
        "<dl class=\"facts\"><div><dt>baseline</dt><dd>\(Escaping.html(first.baseline.variant))"
      html += " · \(Escaping.html(first.baseline.runID))</dd></div>"
      html += "<div><dt>seed</dt><dd>\(first.seed)</dd></div>"
      html += "<div><dt>bootstrap resamples</dt><dd>\(first.resamples)</dd></div></dl>"
    }
    html += "</header>\n<main>\n"
    for comparison in comparisons {
      html += section(comparison)
    }
    html += "</main>\n</body>\n</html>\n"
    return html
  }

  func section(_ comparison: Comparison) -> String {
    var html = "<section><h2>\(Escaping.html(comparison.baseline.variant)) → "
    html += "\(Escaping.html(comparison.candidate.variant))</h2>"
    html += "<p class=\"hint\">\(comparison.sharedCases) shared cases · "
    html += "candidate run \(Escaping.html(comparison.candidate.runID))"
    if comparison.onlyInBaseline + comparison.onlyInCandidate > 0 {
      html += " · \(comparison.onlyInBaseline) only in baseline, "
      html += "\(comparison.onlyInCandidate) only in candidate"
    }
    html += "</p><table class=\"behaviour\"><thead><tr><th>rate</th><th>pairs</th>"
    html += "<th>\(Escaping.html(comparison.baseline.variant))</th>"
    html += "<th>\(Escaping.html(comparison.candidate.variant))</th><th>Δ</th><th>95% CI</th>"
    html += "<th></th></tr></thead><tbody>"
    for rate in comparison.rates {
      html += "<tr><th>\(rate.metric.title)</th><td>\(rate.pairs)</td>"
      html += "<td>\(Format.percent(rate.baseline))</td><td>\(Format.percent(rate.candidate))</td>"
      html += "<td>\(Format.points(rate.difference))</td>"
      html += "<td>[\(Format.points(rate.low)), \(Format.points(rate.high))]</td>"
      html += "<td>\(ComparisonWriter.intervalChart(rate))</td></tr>"
    }
    html += "<tr><th>tokens / decision</th><td></td>"
    html += "<td>\(Format.decimal(comparison.tokens.baselinePerDecision, digits: 0))</td>"
    html += "<td>\(Format.decimal(comparison.tokens.candidatePerDecision, digits: 0))</td>"
    html += "<td>\(comparison.tokens.ratio.map { String(format: "×%.2f", $0) } ?? "–")</td>"
    html += "<td></td><td></td></tr></tbody></table>"
    html += "<p>McNemar's exact test on case pass: \(comparison.mcnemar.baselineOnly) regressed, "
    html += "\(comparison.mcnemar.candidateOnly) improved, "
    html += Format.pEquals(comparison.mcnemar.pValue)
    if comparison.isSignificantRegression() {
      html += " <span class=\"badge bad\">significant regression</span>"
    }
    html += "</p>"
    for (title, flipped) in [
      ("Regressions (passed → failed)", comparison.regressions),
      ("Improvements (failed → passed)", comparison.improvements),
    ] {
      html += "<h3>\(title): \(flipped.count)</h3>"
      guard !flipped.isEmpty else { continue }
      html +=
        "<div class=\"scroll\"><table class=\"cases\"><thead><tr><th>case</th><th>expected</th>"
      html += "<th>\(Escaping.html(comparison.baseline.variant))</th>"
      html += "<th>\(Escaping.html(comparison.candidate.variant))</th></tr></thead><tbody>"
      for item in flipped.prefix(maxFlipped) {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~@")
        let anchor = item.id.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
        // The candidate's drill-down, with the compare view against the baseline's variant
        // when the report holds both.
        let candidate =
          comparison.candidate.variant.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
        let baseline =
          comparison.baseline.variant.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
        let target =
          "\(anchor)&variant=\(candidate)"
          + (baseline == candidate ? "" : "&compare=\(baseline)")
        html += "<tr><td><a href=\"\(HTMLReportWriter.fileName)#case=\(Escaping.html(target))\">"
        html += "\(Escaping.html(item.id))</a></td>"
        html += "<td>\(Escaping.html(item.expected ?? "(loop run)"))</td>"
        html += "<td>\(Escaping.html(item.baselineActual ?? "–")) "
        html += "<span class=\"verdict \(item.baselineVerdict == .pass ? "pass" : "fail")\">"
        html += "\(item.baselineVerdict.rawValue)</span></td>"
        html += "<td>\(Escaping.html(item.candidateActual ?? "–")) "
        html += "<span class=\"verdict \(item.candidateVerdict == .pass ? "pass" : "fail")\">"
        html += "\(item.candidateVerdict.rawValue)</span></td></tr>"
      }
      html += "</tbody></table></div>"
      if flipped.count > maxFlipped {
        html += "<p class=\"hint\">… and \(flipped.count - maxFlipped) more in comparison.json</p>"
      }
    }
    html += "</section>\n"
    return html
  }

  /// A small SVG of the difference and its interval on a −25…+25 pp axis around zero.
  static func intervalChart(_ rate: Comparison.PairedRate) -> String {
    guard let difference = rate.difference, let low = rate.low, let high = rate.high else {
      return ""
    }
    let span = max(0.25, abs(low), abs(high))
    func x(_ value: Double) -> String { Format.coordinate(100 + 95 * value / span) }
    let colour = high < 0 ? "var(--bad)" : (low > 0 ? "var(--ok)" : "var(--muted)")
    var svg = "<svg width=\"200\" height=\"22\" viewBox=\"0 0 200 22\" role=\"img\" "
    svg += "aria-label=\"difference with interval\"><line x1=\"100\" x2=\"100\" y1=\"2\" y2=\"20\" "
    svg += "stroke=\"currentColor\" stroke-opacity=\".4\"/>"
    svg += "<line x1=\"\(x(low))\" x2=\"\(x(high))\" y1=\"11\" y2=\"11\" stroke=\"\(colour)\" "
    svg +=
      "stroke-width=\"3\"/><circle cx=\"\(x(difference))\" cy=\"11\" r=\"4\" fill=\"\(colour)\"/>"
    svg += "</svg>"
    return svg
  }
}
