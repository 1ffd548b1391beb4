import Foundation
import RefoldCore
import RefoldShared

@testable import RefoldReport

/// `report.html` as it was written from whole runs before the page was built as the run
/// streams, kept as the oracle the streamed page is compared with byte for byte.
extension HTMLReportWriter {
  func referenceRender(variants runs: [RunResults]) -> Data {
    var page = Data()
    let suite = runs.first?.run.suite ?? "refold"
    page.append(contentsOf: head(title: "Refold · \(suite)").utf8)
    page.append(contentsOf: header(runs).utf8)
    for run in runs { page.append(contentsOf: overview(run, variants: runs.count).utf8) }
    page.append(contentsOf: trends(runs).utf8)
    page.append(contentsOf: intentSection(runs).utf8)
    page.append(contentsOf: behaviourSection(runs).utf8)
    page.append(contentsOf: referenceCaseSection(runs).utf8)
    page.append(contentsOf: "<script type=\"application/json\" id=\"refold-data\">".utf8)
    page.append(contentsOf: referenceDataBlock(runs))
    page.append(contentsOf: "</script>\n<script>\n".utf8)
    page.append(
      contentsOf: HTMLReportWriter.script.replacingOccurrences(
        of: "ROWS_PER_PAGE", with: String(max(1, rowsPerPage))
      ).utf8)
    page.append(contentsOf: "</script>\n</body>\n</html>\n".utf8)
    return page
  }

  func referenceCaseSection(_ runs: [RunResults]) -> String {
    var intents = Set<String>()
    for results in runs {
      for result in results.cases {
        if let name = result.expected?.name { intents.insert(name) }
        if let name = result.actual?.name { intents.insert(name) }
      }
    }
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

  struct ReferenceDataBlock {
    var strings: [String] = []
    var stringIndex: [String: Int] = [:]
    var threadNames: [String] = []
    var threadIndex: [String: Int] = [:]
    var cases: [JSONValue] = []
    var timelines: [String: JSONValue] = [:]
    /// The parameters of cases that keep no details, each distinct entry once: `[value]`
    /// when expected and actual are the same, else `[expected, actual]`.
    var parameters: [JSONValue] = []
    var parameterIndex: [String: Int] = [:]
    /// Bytes of the parameter table.
    var parameterBytes = 0
    /// For each case, its entry in the parameter table, or -1.
    var parameterEntries: [Int] = []
    let maxText: Int
    /// Bytes left for contexts and raw responses.
    var detailBudget: Int
    /// Bytes left for the parameter table.
    var parameterBudget: Int

    init(maxText: Int, detailBudget: Int, parameterBudget: Int = 0) {
      self.maxText = maxText
      self.detailBudget = detailBudget
      self.parameterBudget = parameterBudget
    }

    /// The index in the parameter table of a case's expected and actual parameters.
    ///
    /// A pair not yet in the table is added; nil once the table's budget is spent. Values
    /// past ``HTMLReportWriter/maxSearchedParameterText`` are clipped: the table is for search.
    mutating func parameterEntry(expected: JSONValue?, actual: JSONValue?) -> Int? {
      let expectedText = expected?.canonicalString ?? ""
      let actualText = actual?.canonicalString ?? ""
      let key = expectedText == actualText ? expectedText : expectedText + "\u{0}" + actualText
      if let index = parameterIndex[key] { return index }
      func clipped(_ value: JSONValue?, _ text: String) -> JSONValue {
        guard let value else { return .null }
        let limit = HTMLReportWriter.maxSearchedParameterText
        guard text.utf8.count > limit else { return value }
        let prefix = String(decoding: Array(text.utf8.prefix(limit)), as: UTF8.self)
        return ["~": .string(prefix + "…")]
      }
      let entry: JSONValue =
        expectedText == actualText
        ? [clipped(actual, actualText)]
        : [clipped(expected, expectedText), clipped(actual, actualText)]
      let size = Escaping.scriptSafeJSON(entry).utf8.count + 1
      guard size <= parameterBudget else { return nil }
      parameterBudget -= size
      parameterBytes += size
      parameters.append(entry)
      parameterIndex[key] = parameters.count - 1
      return parameters.count - 1
    }

    mutating func string(_ text: String) -> Int {
      if let index = stringIndex[text] { return index }
      strings.append(text)
      stringIndex[text] = strings.count - 1
      return strings.count - 1
    }

    mutating func thread(_ name: String) -> Int {
      if let index = threadIndex[name] { return index }
      threadNames.append(name)
      threadIndex[name] = threadNames.count - 1
      return threadNames.count - 1
    }

    func clip(_ text: String) -> JSONValue {
      guard text.utf8.count > maxText else { return .string(text) }
      let prefix = String(decoding: Array(text.utf8.prefix(maxText)), as: UTF8.self)
      return .string(prefix + "… [\(text.utf8.count - maxText) more bytes in results.json]")
    }

    /// `value` itself when its text fits `maxText`, else `{"~": clipped text}`.
    func embed(_ value: JSONValue) -> JSONValue {
      switch value {
      case .null, .bool, .int, .double: return value
      case .string(let text): return text.utf8.count <= maxText ? value : ["~": clip(text)]
      case .array, .object:
        let text = value.canonicalString
        return text.utf8.count <= maxText ? value : ["~": clip(text)]
      }
    }

    mutating func events(_ events: [Event]) -> JSONValue {
      .array(
        events.map { event in
          .array([
            .int(Int64(event.seq)), .int(Int64(string(event.type))), embed(event.data),
            event.at.map(JSONValue.string) ?? .int(0), event.meta.map { embed($0) } ?? .int(0),
          ])
        })
    }

    func diff(_ differences: [ParameterDifference]) -> JSONValue {
      .array(
        differences.map { difference in
          .array([
            .string(difference.path),
            difference.expected.map { clip($0.canonicalString) } ?? .int(0),
            difference.actual.map { clip($0.canonicalString) } ?? .int(0),
            .string(difference.matcher), clip(difference.reason),
          ])
        })
    }

    /// One model call of a loop run: `{"s": step, "q": seq, "n": intent, "p": parameters,
    /// "f": failure, "rb": retry behaviour, "or": over the cap, "es": escalation, "x":
    /// context, "r": raw response, "o": left out}`; context and raw response only when
    /// `detailed`, from the same budget as the cases'.
    mutating func modelCall(_ call: LoopModelCall, detailed: Bool) -> JSONValue {
      var entry: [String: JSONValue] = ["s": .int(Int64(call.step)), "q": .int(Int64(call.seq))]
      if let intent = call.intent {
        entry["n"] = .string(intent.name)
        entry["p"] = embed(intent.parameters)
      }
      if let failure = call.failure { entry["f"] = clip(failure) }
      if let behaviour = call.retryBehaviour { entry["rb"] = .string(behaviour) }
      if call.overRetry == true { entry["or"] = .bool(true) }
      if call.escalation == true { entry["es"] = .bool(true) }
      if call.omitted == true { entry["o"] = .bool(true) }
      guard detailed else { return .object(entry) }
      let context = call.context.map(clip)
      let raw = call.rawResponse.map(embed)
      let size =
        (context.map(Escaping.scriptSafeJSON)?.utf8.count ?? 0)
        + (raw.map(Escaping.scriptSafeJSON)?.utf8.count ?? 0)
      if size <= detailBudget {
        detailBudget -= size
        if let context { entry["x"] = context }
        if let raw { entry["r"] = raw }
      } else {
        entry["o"] = .bool(true)
      }
      return .object(entry)
    }

    /// Adds one case; `differs` keeps its details (parameters, context, raw response) even
    /// when it passed, because another variant decided the same case differently.
    ///
    /// `parameterEntry` is the case's entry in the parameter table, or -1.
    mutating func add(
      _ result: CaseResult, variant: Int, differs: Bool = false, parameterEntry: Int = -1
    ) {
      parameterEntries.append(parameterEntry)
      let threadNumber = thread(result.thread)
      let isLoop = result.mode == "loop"
      var extra: [String: JSONValue] = [:]
      let defaultID = isLoop ? "\(result.thread)@loop" : "\(result.thread)#\(result.step ?? -1)"
      if result.id != defaultID { extra["i"] = .string(result.id) }
      if !isLoop && result.mode != "step" { extra["m"] = .string(result.mode) }
      if !result.passed || differs {
        if differs { extra["df"] = .bool(true) }
        if let expected = result.expected { extra["ep"] = embed(expected.parameters) }
        if let actual = result.actual { extra["ap"] = embed(actual.parameters) }
        if let differences = result.parameterDiff, !differences.isEmpty {
          extra["d"] = diff(differences)
        }
        if let failure = result.failure { extra["f"] = clip(failure) }
        let context = result.context.map(clip)
        let raw = result.rawResponse.map(embed)
        let size =
          (context.map(Escaping.scriptSafeJSON)?.utf8.count ?? 0)
          + (raw.map(Escaping.scriptSafeJSON)?.utf8.count ?? 0)
        if size <= detailBudget {
          detailBudget -= size
          if let context { extra["x"] = context }
          if let raw { extra["r"] = raw }
        } else if context != nil || raw != nil {
          extra["o"] = .bool(true)
        }
        if let accepted = result.accepted, !accepted.isEmpty {
          extra["ac"] = .array(accepted.map(JSONValue.string))
        }
      }
      // What the judge or the embeddings said, passing or not: [path, matcher, passed, why].
      if let judged = result.judged, !judged.isEmpty {
        extra["jd"] = .array(
          judged.map { entry in
            .array([
              .string(entry.path), .string(entry.matcher), .bool(entry.passed),
              clip(
                entry.score.map { score in
                  "similarity \(score)" + (entry.minimum.map { " (min \($0))" } ?? "")
                } ?? entry.reason ?? ""),
            ])
          })
      }
      if let behaviour = result.retryBehaviour { extra["rb"] = .string(behaviour) }
      if let behaviour = result.expectedRetryBehaviour { extra["xb"] = .string(behaviour) }
      if let usage = result.usage, !result.passed || differs {
        extra["u"] = .array([.int(Int64(usage.inputTokens)), .int(Int64(usage.outputTokens))])
      }
      if let behaviour = result.behaviour {
        var loop: [String: JSONValue] = [
          "st": .int(Int64(behaviour.steps)), "fs": .string(behaviour.finalStatus.rawValue),
          "re": .int(Int64(behaviour.retries)), "es": .bool(behaviour.escalated),
          "ck": .array(
            behaviour.checks.map { .array([.string($0.name), .bool($0.passed), clip($0.detail)]) }),
        ]
        if let terminal = behaviour.terminalIntent { loop["ti"] = .string(terminal) }
        if let timing = behaviour.escalationTiming { loop["et"] = .string(timing) }
        if let divergence = behaviour.divergence {
          var entry: [String: JSONValue] = [
            "s": .int(Int64(divergence.step)), "a": .string(divergence.actual.name),
            "ap": embed(divergence.actual.parameters),
            "d": diff(divergence.parameterDiff),
          ]
          if let expected = divergence.expected {
            entry["e"] = .string(expected.name)
            entry["ep"] = embed(expected.parameters)
          }
          loop["dv"] = .object(entry)
        }
        if !result.passed || behaviour.events.count <= 200 {
          loop["ev"] = events(behaviour.events)
          if let calls = behaviour.modelCalls, !calls.isEmpty {
            loop["mc"] = .array(
              calls.map { modelCall($0, detailed: !result.passed || differs) })
          }
        }
        extra["b"] = .object(loop)
      }
      var row: [JSONValue] = [
        .int(Int64(variant)), .int(Int64(threadNumber)), .int(isLoop ? 1 : 0),
        .int(Int64(result.step ?? -1)), .int(Int64(result.seq ?? -1)),
        .int(Int64(result.expected.map { string($0.name) } ?? -1)),
        .int(Int64(result.actual.map { string($0.name) } ?? -1)),
        .int(Int64(HTMLReportWriter.verdicts.firstIndex(of: result.verdict) ?? 0)),
      ]
      if !extra.isEmpty { row.append(.object(extra)) }
      cases.append(.array(row))
    }

    /// The serialised block, safe inside `<script type="application/json">`.
    func serialised(variants: [String]) -> [UInt8] {
      var output: [UInt8] = []
      output.reserveCapacity(cases.count * 48)
      output.append(contentsOf: #"{"v":"#.utf8)
      Escaping.appendScriptSafeJSON(.array(variants.map(JSONValue.string)), to: &output)
      output.append(contentsOf: #","s":"#.utf8)
      Escaping.appendScriptSafeJSON(.array(strings.map(JSONValue.string)), to: &output)
      output.append(contentsOf: #","h":"#.utf8)
      Escaping.appendScriptSafeJSON(.array(threadNames.map(JSONValue.string)), to: &output)
      output.append(contentsOf: #","c":["#.utf8)
      for (offset, row) in cases.enumerated() {
        if offset > 0 { output.append(contentsOf: ",\n".utf8) }
        Escaping.appendScriptSafeJSON(row, to: &output)
      }
      output.append(contentsOf: #"],"p":["#.utf8)
      for (offset, entry) in parameters.enumerated() {
        if offset > 0 { output.append(UInt8(ascii: ",")) }
        Escaping.appendScriptSafeJSON(entry, to: &output)
      }
      output.append(contentsOf: #"],"q":["#.utf8)
      for (offset, entry) in parameterEntries.enumerated() {
        if offset > 0 { output.append(UInt8(ascii: ",")) }
        output.append(contentsOf: String(entry).utf8)
      }
      output.append(contentsOf: #"],"e":"#.utf8)
      Escaping.appendScriptSafeJSON(.object(timelines), to: &output)
      output.append(UInt8(ascii: "}"))
      return output
    }
  }

  static func referenceDifferingCases(_ runs: [RunResults]) -> Set<String> {
    guard runs.count > 1 else { return [] }
    var decisions: [String: [String]] = [:]
    for run in runs {
      for result in run.cases {
        let decision =
          result.verdict.rawValue + " " + (result.actual?.name ?? "")
          + " " + (result.actual?.parameters.canonicalString ?? "")
        decisions[result.id, default: []].append(decision)
      }
    }
    var differing: Set<String> = []
    for (id, list) in decisions where list.count != runs.count || Set(list).count > 1 {
      differing.insert(id)
    }
    return differing
  }

  func referenceDataBlock(_ runs: [RunResults]) -> [UInt8] {
    var block = ReferenceDataBlock(
      maxText: maxEmbeddedText, detailBudget: maxDetailBytes,
      parameterBudget: HTMLReportWriter.maxParameterBytes)
    var failingThreads: Set<String> = []
    let differing = HTMLReportWriter.referenceDifferingCases(runs)
    // The parameters of the cases that keep no details come first, so that every case can be
    // found by its parameters; what the table needs past its reserve is taken from the
    // contexts' budget (a context left out is still in results.json).
    var entries: [Int] = []
    for run in runs {
      for result in run.cases {
        guard result.passed, !differing.contains(result.id),
          result.expected != nil || result.actual != nil
        else {
          entries.append(-1)
          continue
        }
        entries.append(
          block.parameterEntry(
            expected: result.expected?.parameters, actual: result.actual?.parameters) ?? -1)
      }
    }
    block.detailBudget = max(
      0,
      block.detailBudget
        - max(0, block.parameterBytes - HTMLReportWriter.reservedParameterBytes))
    var position = 0
    for (variant, run) in runs.enumerated() {
      for result in run.cases {
        block.add(
          result, variant: variant, differs: differing.contains(result.id),
          parameterEntry: entries[position])
        position += 1
        if !result.passed { failingThreads.insert(result.thread) }
      }
    }
    var threads: [String: [Event]] = [:]
    for run in runs {
      for (name, events) in run.threads ?? [:] where threads[name] == nil {
        threads[name] = events
      }
    }
    // Threads with a failing case, then the others, each group in table order until the
    // first timeline that does not fit what is left.
    let referenced = block.threadNames.filter { threads[$0]?.isEmpty == false }
    var budget = maxTimelineEvents
    var bytes = maxTimelineBytes
    var measured: [UInt8] = []
    for failing in [true, false] {
      for name in referenced where failingThreads.contains(name) == failing {
        guard let events = threads[name], let index = block.threadIndex[name] else { continue }
        guard events.count <= budget else { break }
        let timeline = block.events(events)
        measured.removeAll(keepingCapacity: true)
        Escaping.appendScriptSafeJSON(timeline, to: &measured)
        guard measured.count <= bytes else { break }
        budget -= events.count
        bytes -= measured.count
        block.timelines[String(index)] = timeline
      }
    }
    return block.serialised(variants: runs.map(\.run.variant))
  }
}
