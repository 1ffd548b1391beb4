import Foundation
import RefoldCore

extension Comparison {
  /// An aligned plain-text table for the terminal.
  public var text: String { Comparison.text([self]) }

  /// Aligned plain-text tables for several comparisons against one baseline.
  public static func text(_ comparisons: [Comparison], maxFlipped: Int = 10) -> String {
    var output = ""
    for comparison in comparisons {
      if !output.isEmpty { output += "\n" }
      output += comparison.textBlock(maxFlipped: maxFlipped)
    }
    return output
  }

  func textBlock(maxFlipped: Int) -> String {
    var lines: [String] = []
    // Two runs of one variant are told apart by run: A the baseline's, B the candidate's.
    let sameVariant = baseline.variant == candidate.variant
    let baselineLabel = sameVariant ? "run A" : baseline.variant
    let candidateLabel = sameVariant ? "run B" : candidate.variant
    lines.append(
      (sameVariant ? "\(baseline.variant), " : "")
        + "\(baselineLabel) → \(candidateLabel): \(sharedCases) shared cases"
        + (onlyInBaseline + onlyInCandidate > 0
          ? ", \(onlyInBaseline) only in baseline, \(onlyInCandidate) only in candidate" : ""))
    lines.append(
      sameVariant
        ? "  run A \(baseline.runID), run B \(candidate.runID)"
        : "  runs \(baseline.runID) → \(candidate.runID)")
    var rows: [[String]] = [["rate", "pairs", baselineLabel, candidateLabel, "Δ", "95% CI"]]
    for rate in rates {
      rows.append([
        rate.metric.title, String(rate.pairs), Format.percent(rate.baseline),
        Format.percent(rate.candidate), Format.points(rate.difference),
        rate.low == nil ? "–" : "[\(Format.points(rate.low)), \(Format.points(rate.high))]",
      ])
    }
    rows.append([
      "tokens / decision", "", Format.decimal(tokens.baselinePerDecision, digits: 0),
      Format.decimal(tokens.candidatePerDecision, digits: 0),
      tokens.ratio.map { String(format: "×%.2f", $0) } ?? "–", "",
    ])
    lines.append(contentsOf: Comparison.aligned(rows, rightAligned: [1, 2, 3, 4]))
    lines.append(
      "McNemar (case pass): \(mcnemar.baselineOnly) regressed, \(mcnemar.candidateOnly) improved, "
        + "exact \(Format.pEquals(mcnemar.pValue)), "
        + (mcnemar.pValue < Comparison.alpha ? "significant at α = 0.05" : "not significant")
        + (isSignificantRegression() ? " — significant regression" : ""))
    for (title, flipped) in [("Regressions", regressions), ("Improvements", improvements)]
    where !flipped.isEmpty {
      lines.append("\(title) (\(flipped.count)):")
      for item in flipped.prefix(maxFlipped) {
        lines.append("  \(item.id), expected \(item.expected ?? "–"):")
        lines.append(
          "    \(item.baselineActual ?? "–") [\(item.baselineVerdict.rawValue)] → "
            + "\(item.candidateActual ?? "–") [\(item.candidateVerdict.rawValue)]")
      }
      if flipped.count > maxFlipped { lines.append("  … and \(flipped.count - maxFlipped) more") }
    }
    return lines.joined(separator: "\n") + "\n"
  }

  /// Pads columns to equal width; `rightAligned` columns are right-aligned.
  static func aligned(_ rows: [[String]], rightAligned: Set<Int>) -> [String] {
    let columns = rows.map(\.count).max() ?? 0
    var widths = Array(repeating: 0, count: columns)
    for row in rows {
      for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) }
    }
    return rows.map { row in
      row.enumerated().map { index, cell in
        let padding = String(repeating: " ", count: widths[index] - cell.count)
        return rightAligned.contains(index) ? padding + cell : cell + padding
      }.joined(separator: "  ").replacingOccurrences(
        of: "\\s+$", with: "", options: .regularExpression)
    }
  }

  /// The comparison as `refold.comparison/v1` JSON (snake_case keys, sorted, pretty).
  public func jsonData() throws -> Data {
    try Comparison.jsonData([self])
  }

  /// Several comparisons as one `refold.comparison/v1` document: `{"schema", "comparisons"}`.
  public static func jsonData(_ comparisons: [Comparison]) throws -> Data {
    struct Document: Encodable {
      var schema = Comparison.schemaIdentifier
      var comparisons: [Comparison]
    }
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    encoder.keyEncodingStrategy = .convertToSnakeCase
    do {
      var data = try encoder.encode(Document(comparisons: comparisons))
      data.append(0x0A)
      return data
    } catch {
      throw ReportError.cannotWrite(path: "comparison.json", reason: SystemReason.of(error))
    }
  }

  /// Reads a `refold.comparison/v1` document.
  public static func decode(_ data: Data) throws -> [Comparison] {
    struct Document: Decodable {
      var schema: String
      var comparisons: [Comparison]
    }
    let decoder = JSONDecoder()
    decoder.keyDecodingStrategy = .convertFromSnakeCase
    do {
      let document = try decoder.decode(Document.self, from: data)
      guard document.schema == schemaIdentifier else {
        throw ReportError.cannotRead(
          path: "comparison.json", reason: "schema is \(document.schema), not \(schemaIdentifier)")
      }
      return document.comparisons
    } catch let error as ReportError {
      throw error
    } catch {
      throw ReportError.cannotRead(path: "comparison.json", reason: SystemReason.of(error))
    }
  }
}
