import RefoldCore
import RefoldEval
import RefoldReport

/// The HTML page of a `refold why`: the thread up to the decision point, each event marked
/// with what removing it did, and the deciding events highlighted.
///
/// Self-contained (inline style, no script), so it can be attached to an incident.
enum WhyPage {
  /// The page for `report` on `probe`.
  static func render(
    _ report: AblationReport, probe: DecisionProbe, variant: String, model: String,
    cassette: String?
  ) -> String {
    let minimal = Set(report.minimal ?? [])
    let title = "why \(probe.thread)#\(probe.point.step)"
    var rows = ""
    for event in probe.context {
      let deciding = minimal.contains(event.seq)
      let outcome: String
      if let single = report.singles[event.seq] {
        outcome =
          single.flips
          ? "flips → <code>\(Escaping.html(single.answer.label))</code>" : "keeps"
      } else {
        outcome = "not asked (budget)"
      }
      var data = event.data.canonicalString
      if data.count > 400 { data = String(data.prefix(400)) + "…" }
      rows += """
        <tr class="\(deciding ? "deciding" : (report.singles[event.seq]?.flips == true ? "flips" : ""))">\
        <td>\(event.seq)</td><td>\(Escaping.html(event.type))</td>\
        <td><code>\(Escaping.html(data))</code></td><td>\(outcome)</td>\
        <td>\(deciding ? "deciding" : "")</td></tr>

        """
    }
    let smallest: String
    if let found = report.minimal {
      let seqs = found.map(String.init).joined(separator: ", ")
      let flipped = report.minimalAnswer.map { " → <code>\(Escaping.html($0.label))</code>" } ?? ""
      smallest =
        (report.isOneMinimal
          ? "Smallest set whose removal flips it: seq " : "A set (not yet minimal): seq ")
        + seqs + flipped
    } else {
      smallest = "No set of events found whose removal flips it."
    }
    let budget =
      report.budgetSpent
      ? " The budget ran out before the search finished." : ""
    return """
      <!doctype html>
      <html lang="en"><head><meta charset="utf-8"><title>\(Escaping.html(title))</title>
      <style>
      body{font:14px/1.45 system-ui,sans-serif;margin:2rem;color:#1d2330}
      table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #d8dce4;\
      padding:.35rem .5rem;text-align:left;vertical-align:top}
      code{font:12px ui-monospace,monospace;word-break:break-all}
      tr.deciding{background:#ffe7a8;font-weight:600}tr.flips{background:#fff6dc}
      </style></head><body>
      <h1>\(Escaping.html(title))</h1>
      <p>Variant <b>\(Escaping.html(variant))</b>, model source <b>\(Escaping.html(model))</b>, \
      seq \(probe.point.seq).</p>
      <p>Decision: <code>\(Escaping.html(report.baseline.label))</code><br>
      Recorded: <code>\(Escaping.html(ProbeAnswer.label(probe.point.intent)))</code></p>
      <p>\(smallest)</p>
      <table><thead><tr><th>seq</th><th>type</th><th>data</th><th>removed alone</th>\
      <th></th></tr></thead><tbody>
      \(rows)</tbody></table>
      <p>Removing all \(report.candidates.count) events before it \
      \(report.allRemovedFlips ? "flips" : "keeps") the decision. Model calls: \
      \(report.calls) of \(report.budget).\(budget)\
      \(cassette.map { " Cassette: <code>\(Escaping.html($0))</code>." } ?? "")</p>
      </body></html>

      """
  }
}
