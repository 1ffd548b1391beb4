import Foundation
import RefoldCore
import RefoldShared
import Testing

@testable import RefoldReport

@Suite("report.html")
struct HTMLReportTests {
  /// A run whose threads, failures, contexts, raw responses, suite and variant names carry
  /// hostile strings.
  static func hostileRuns() -> [RunResults] {
    let threads = DeployBotRuns.threads(count: 40, hostile: true)
    var first = DeployBotRuns.run(
      id: "demo-<script>", threads: threads, errorRate: 0.3, seed: 11, loopRuns: 6,
      contextForPassing: true)
    first.run.suite = "deploy-bot</title><script>document.title='PWNED'</script>"
    var second = DeployBotRuns.run(
      id: "demo-2", variant: "json-events\"><img src=x onerror=alert(1)>", threads: threads,
      errorRate: 0.2, seed: 12, loopRuns: 6, contextForPassing: true)
    second.run.suite = first.run.suite
    for index in first.cases.indices where !first.cases[index].passed {
      first.cases[index].failure = DeployBotRuns.hostile[index % DeployBotRuns.hostile.count]
      first.cases[index].rawResponse = [
        "content": .string(DeployBotRuns.hostile[(index + 2) % DeployBotRuns.hostile.count])
      ]
      first.cases[index].parameterDiff = [
        ParameterDifference(
          path: "tag</script>", expected: "v1.4.2",
          actual: .string(DeployBotRuns.hostile[1]), matcher: "exact",
          reason: DeployBotRuns.hostile[0])
      ]
    }
    // A case both variants passed asks for a ticket its thread never mentions: only its
    // parameters find it.
    if let shared = first.cases.firstIndex(where: { result in
      result.passed && result.mode == "step"
        && second.cases.contains { $0.id == result.id && $0.passed && $0.actual == result.actual }
    }), let other = second.cases.firstIndex(where: { $0.id == first.cases[shared].id }) {
      for keyPath in [\CaseResult.expected, \CaseResult.actual] {
        guard var intent = first.cases[shared][keyPath: keyPath] else { continue }
        var parameters = intent.parameters.objectValue ?? [:]
        parameters["ticket"] = "OPS-4711"
        intent.parameters = .object(parameters)
        first.cases[shared][keyPath: keyPath] = intent
        second.cases[other][keyPath: keyPath] = intent
      }
    }
    return [first, second]
  }

  /// Writes the hostile demo report; `REFOLD_DEMO_REPORT_DIR` keeps it for
  /// `scripts/check-report.sh`.
  @Test("the hostile demo report is written and escapes every planted string")
  func hostileStringsAreInert() throws {
    let kept = ProcessInfo.processInfo.environment["REFOLD_DEMO_REPORT_DIR"]
    let directory = try kept ?? Scripts.temporaryDirectory("html")
    defer { if kept == nil { try? FileManager.default.removeItem(atPath: directory) } }
    var runs = HTMLReportTests.hostileRuns()
    for index in runs.indices { runs[index].run.scope = .suite }
    // Earlier runs: whole-suite, ad-hoc and shard runs, and runs recorded without a scope.
    let scopes: [RunInfo.Scope?] = [nil, .suite, .adHoc, .suite, .shard, nil, .suite, .adHoc]
    let history = DeployBotRuns.history(variants: runs.map(\.run.variant), count: 8).enumerated()
      .map { offset, record in
        var record = record
        record.info.suite = runs[0].run.suite
        record.info.scope = scopes[(offset / runs.count) % scopes.count]
        return record
      }
    let path = try HTMLReportWriter(history: history, rowsPerPage: 25)
      .write(variants: runs, to: directory)
    try ReportFile.write(runs[0], in: directory)
    let comparison = Comparison.compare(runs[0], runs[1])
    try ComparisonWriter().write([comparison], to: directory)
    try MarkdownSummaryWriter().write(runs[1], baseline: comparison, to: directory)
    try JUnitReportWriter().write(variants: runs, to: directory)
    let html = try String(contentsOfFile: path, encoding: .utf8)

    // Only the page's own two script elements exist.
    #expect(html.components(separatedBy: "<script").count - 1 == 2)
    #expect(html.components(separatedBy: "</script").count - 1 == 2)
    #expect(!html.contains("<script>alert"))
    #expect(!html.contains("<script>document.title"))
    #expect(!html.contains("<img"))
    // `onerror=` appears only inside escaped text.
    var searchRange = html.startIndex..<html.endIndex
    var onerrorCount = 0
    while let found = html.range(of: "onerror=", range: searchRange) {
      onerrorCount += 1
      let start =
        html.index(found.lowerBound, offsetBy: -40, limitedBy: html.startIndex) ?? html.startIndex
      let before = String(html[start..<found.lowerBound])
      #expect(
        before.contains("&lt;img") || before.contains("\\u003cimg"), "unescaped near \(before)")
      searchRange = found.upperBound..<html.endIndex
    }
    #expect(onerrorCount > 0, "the planted strings should be in the page as text")
    // The data block cannot close its script element.
    let dataStart = try #require(
      html.range(of: "<script type=\"application/json\" id=\"refold-data\">"))
    let dataEnd = try #require(
      html.range(of: "</script>", range: dataStart.upperBound..<html.endIndex))
    let block = String(html[dataStart.upperBound..<dataEnd.lowerBound])
    #expect(!block.contains("</script"))
    #expect(!block.contains("<"))
    #expect(block.contains("\\u003cscript\\u003ealert(1)\\u003c/script\\u003e"))
    #expect(!block.contains("\u{2028}"))
    // The block is valid JSON carrying every case of both variants.
    let data = try #require(block.data(using: .utf8))
    let parsed = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    let cases = try #require(parsed["c"] as? [Any])
    #expect(cases.count == runs[0].cases.count + runs[1].cases.count)
    #expect((parsed["v"] as? [String]) == runs.map(\.run.variant))
    // Swift-rendered parts escape too.
    #expect(html.contains("deploy-bot&lt;/title&gt;&lt;script&gt;document.title="))
    #expect(html.contains("json-events&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"))
    #expect(html.contains("document.body.dataset.rendered = 'ok'"))
  }

  @Test("the header gives every variant's run id and model and links the comparison page")
  func headerCoversEveryVariant() throws {
    let threads = DeployBotRuns.threads(count: 4)
    let first = DeployBotRuns.run(id: "e-baseline", threads: threads, errorRate: 0.2, seed: 1)
    var second = DeployBotRuns.run(
      id: "e-json", variant: "json-events", threads: threads, errorRate: 0.4, seed: 2)
    second.run.model = "other-model"
    var writer = HTMLReportWriter()
    writer.evaluationID = "e"
    writer.comparisonLink = ComparisonWriter.htmlFileName
    let page = String(decoding: try writer.render(variants: [first, second]), as: UTF8.self)
    let header = String(page[..<(try #require(page.range(of: "</header>")).lowerBound)])
    #expect(header.contains("<dt>evaluation</dt><dd>e</dd>"))
    #expect(header.contains("<dt>run · baseline</dt><dd>e-baseline</dd>"))
    #expect(header.contains("<dt>run · json-events</dt><dd>e-json</dd>"))
    #expect(header.contains("<dt>model · json-events</dt><dd>other-model</dd>"))
    #expect(header.contains("<a id=\"comparison-link\" href=\"comparison.html\">"))
    #expect(header.contains("data-verdict="))

    // One run: its id, no evaluation, and no link without a comparison.
    let single = String(decoding: try HTMLReportWriter().render(variants: [first]), as: UTF8.self)
    let singleHeader = String(
      single[..<(try #require(single.range(of: "</header>")).lowerBound)])
    #expect(singleHeader.contains("<dt>run</dt><dd>e-baseline</dd>"))
    #expect(!singleHeader.contains("<dt>evaluation</dt>"))
    #expect(!singleHeader.contains("comparison-link"))
  }

  /// The page's data block, parsed.
  static func dataBlock(_ html: String) throws -> [String: Any] {
    let start = try #require(
      html.range(of: "<script type=\"application/json\" id=\"refold-data\">"))
    let end = try #require(html.range(of: "</script>", range: start.upperBound..<html.endIndex))
    let data = try #require(String(html[start.upperBound..<end.lowerBound]).data(using: .utf8))
    return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
  }

  @Test("a case the variants decided differently keeps its context and raw answer on every side")
  func differingCasesKeepBothSides() throws {
    let threads = DeployBotRuns.threads(count: 30)
    let first = DeployBotRuns.run(id: "a", threads: threads, errorRate: 0.1, seed: 3)
    let second = DeployBotRuns.run(
      id: "b", variant: "json-events", threads: threads, errorRate: 0.5, seed: 4,
      contextForPassing: true)
    let secondByID = Dictionary(uniqueKeysWithValues: second.cases.map { ($0.id, $0) })
    // A case that passed in the first variant and failed in the second.
    let flipped = try #require(
      first.cases.first { result in
        result.passed && result.mode == "step" && secondByID[result.id]?.passed == false
      })
    var firstWithContext = first
    for index in firstWithContext.cases.indices {
      firstWithContext.cases[index].context = "context of \(firstWithContext.cases[index].id)"
      firstWithContext.cases[index].rawResponse = ["content": "answer"]
    }
    let html = String(
      decoding: try HTMLReportWriter().render(variants: [firstWithContext, second]), as: UTF8.self)
    let block = try HTMLReportTests.dataBlock(html)
    let strings = try #require(block["s"] as? [String])
    let threadNames = try #require(block["h"] as? [String])
    let rows = try #require(block["c"] as? [[Any]])
    func row(variant: Int, id: String) -> [Any]? {
      rows.first { row in
        guard (row[0] as? Int) == variant, let thread = row[1] as? Int, let step = row[3] as? Int
        else { return false }
        let extra = row.count > 8 ? row[8] as? [String: Any] : nil
        return (extra?["i"] as? String ?? "\(threadNames[thread])#\(step)") == id
      }
    }
    let passing = try #require(row(variant: 0, id: flipped.id))
    let failing = try #require(row(variant: 1, id: flipped.id))
    #expect((passing[7] as? Int) == 0)
    let passingExtra = try #require(passing.count > 8 ? passing[8] as? [String: Any] : nil)
    #expect(passingExtra["df"] as? Bool == true)
    #expect(passingExtra["x"] as? String == "context of \(flipped.id)")
    #expect((passingExtra["r"] as? [String: Any])?["content"] as? String == "answer")
    #expect(
      passingExtra["ap"] != nil, "the passing side's parameters are kept for the compare view")
    let failingExtra = try #require(failing.count > 8 ? failing[8] as? [String: Any] : nil)
    #expect(failingExtra["x"] != nil)
    #expect(strings.contains(flipped.expected?.name ?? ""))
    // A case both variants decided the same way keeps nothing extra when it passed.
    let same = try #require(
      first.cases.first { result in
        result.passed && result.mode == "step" && secondByID[result.id]?.passed == true
          && secondByID[result.id]?.actual == result.actual
      })
    let samePassing = try #require(row(variant: 0, id: same.id))
    let sameExtra = samePassing.count > 8 ? samePassing[8] as? [String: Any] : nil
    #expect(sameExtra?["x"] == nil && sameExtra?["df"] == nil)
  }

  @Test("the case section is a case × variant matrix with search, verdict filter and two pagers")
  func caseMatrixMarkup() throws {
    let threads = DeployBotRuns.threads(count: 6)
    let runs = [
      DeployBotRuns.run(id: "a", threads: threads, errorRate: 0.2, seed: 5),
      DeployBotRuns.run(id: "b", variant: "v2", threads: threads, errorRate: 0.4, seed: 6),
    ]
    let html = String(decoding: try HTMLReportWriter().render(variants: runs), as: UTF8.self)
    let section = String(html[try #require(html.range(of: "<section id=\"cases\">")).lowerBound...])
    #expect(section.contains("<table class=\"cases\" id=\"case-matrix\">"))
    #expect(section.contains("<div class=\"scroll matrix-box\">"), "the matrix scrolls in its box")
    #expect(section.contains("id=\"pager\"") && section.contains("id=\"pager-bottom\""))
    #expect(section.contains("id=\"f-differs\""))
    #expect(section.contains("intent (expected or actual)"))
    for verdict in HTMLReportWriter.verdicts {
      #expect(section.contains(">\(verdict.rawValue)</option>"))
    }
    #expect(section.contains("placeholder=\"thread text, parameters, context, raw answer"))
    // The script builds the matrix, the compare view and keeps the state in the address.
    for name in [
      "case-head", "cell-button", "compare-button", "wordDiff", "ArrowDown", "writeHash",
    ] {
      #expect(html.contains(name), "the page's script has \(name)")
    }
    #expect(html.contains("@media (max-width: 1000px)") && html.contains("position: fixed"))
    // One variant: no "variants differ" filter, the variant filter hidden.
    let single = String(decoding: try HTMLReportWriter().render(variants: [runs[0]]), as: UTF8.self)
    #expect(!single.contains("id=\"f-differs\""))
    #expect(single.contains("<label hidden>variant <select id=\"f-variant\">"))
  }

  @Test(
    "the trend marks the current run, labels a repeated date by its time and keeps partial runs off the line"
  )
  func trendMarksCurrentAndPartialRuns() throws {
    let rate = Rate(passed: 8, total: 10, rate: 0.8, low: 0.49, high: 0.94)
    let points = [
      Charts.TrendPoint(
        label: "r1", date: "2026-11-20", caseRate: rate, intentRate: rate, time: "09:00"),
      Charts.TrendPoint(
        label: "r2", date: "2026-11-20", caseRate: rate, intentRate: rate, time: "11:30",
        partial: true),
      Charts.TrendPoint(
        label: "r3", date: "2026-11-20", caseRate: rate, intentRate: rate, time: "14:05",
        current: true),
    ]
    let svg = Charts.trend(points, threshold: 0.8)
    #expect(svg.components(separatedBy: ">2026-11-20</text>").count - 1 == 1)
    #expect(svg.contains(">11:30</text>") && svg.contains(">14:05</text>"))
    #expect(svg.contains("class=\"point current\""))
    #expect(svg.contains(">this run</text>"))
    #expect(svg.contains("class=\"point partial\""))
    #expect(svg.contains("ad-hoc run (a slice of the threads)"))
    // The case line joins the two full runs only.
    let line = try #require(svg.range(of: "<polyline class=\"case-line\" points=\""))
    let coordinates = svg[line.upperBound...].prefix { $0 != "\"" }
    #expect(coordinates.split(separator: " ").count == 2)
  }

  @Test("charts draw the 80% wall, the thresholds and a trend per variant")
  func chartsAndSections() throws {
    let runs = [
      DeployBotRuns.run(
        id: "r1", threads: DeployBotRuns.threads(count: 20), errorRate: 0.3, seed: 2)
    ]
    let history = DeployBotRuns.history(variants: ["baseline", "other"], count: 5)
    let html = String(
      decoding: try HTMLReportWriter(history: history).render(variants: runs), as: UTF8.self)
    #expect(html.contains("<svg class=\"rates\""))
    #expect(html.components(separatedBy: "<svg class=\"trend\"").count - 1 == 1)
    #expect(html.contains("6 runs"), "5 earlier runs of the variant plus this one")
    #expect(html.contains("class=\"wall\""))
    #expect(html.components(separatedBy: "class=\"threshold\"").count - 1 >= 2)
    #expect(html.contains("<table class=\"matrix\">"))
    #expect(html.contains("on-time escalation rate"))
    #expect(html.contains("below 85.0%") || html.contains("meets 85.0%"))
    #expect(!html.contains("<link") && !html.contains("@import") && !html.contains(" src=\"http"))
  }

  @Test("a 100,000-decision run stays under 25 MB")
  func largeRunSize() throws {
    let threads = DeployBotRuns.threads(count: 12_500)
    var results = DeployBotRuns.run(id: "large", threads: threads, errorRate: 0.15, seed: 99)
    // Top up to exactly 100,000 decisions with repeated step cases of distinct ids.
    var index = 0
    while results.cases.count < 100_000 {
      var extra = results.cases[index]
      extra.id += "-r"
      results.cases.append(extra)
      index += 1
    }
    results.cases = Array(results.cases.prefix(100_000))
    let clock = ContinuousClock()
    var data = Data()
    let elapsed = try clock.measure {
      data = try HTMLReportWriter().render(variants: [results])
    }
    let failing = results.cases.filter { !$0.passed }.count
    print(
      "100,000 decisions (\(failing) failing, \(threads.count) threads): report.html "
        + "\(data.count) bytes, rendered in \(elapsed)")
    #expect(data.count < 25_000_000)
    #expect(data.count > 1_000_000, "every case is embedded")
    if let directory = ProcessInfo.processInfo.environment["REFOLD_LARGE_REPORT_DIR"] {
      try ReportFile.write(data, named: HTMLReportWriter.fileName, in: directory)
      try ReportFile.write(results, in: directory)
    }
  }
  @Test("at 100,000 decisions with distinct parameters every case's parameters are searchable")
  func largeRunParametersAreSearchable() throws {
    let threads = DeployBotRuns.threads(count: 12_500)
    var results = DeployBotRuns.run(id: "large", threads: threads, errorRate: 0.15, seed: 99)
    var index = 0
    while results.cases.count < 100_000 {
      var extra = results.cases[index]
      extra.id += "-r"
      results.cases.append(extra)
      index += 1
    }
    results.cases = Array(results.cases.prefix(100_000))
    // Every decision asks for its own release: no two cases share their parameters.
    for index in results.cases.indices {
      for keyPath in [\CaseResult.expected, \CaseResult.actual] {
        guard var intent = results.cases[index][keyPath: keyPath] else { continue }
        var parameters = intent.parameters.objectValue ?? [:]
        parameters["release"] = .string("rel-\(index)-\(results.cases[index].thread.suffix(5))")
        intent.parameters = .object(parameters)
        results.cases[index][keyPath: keyPath] = intent
      }
    }
    let data = try HTMLReportWriter().render(variants: [results])
    let html = String(decoding: data, as: UTF8.self)
    let block = try Self.dataBlock(html)
    let rows = try #require(block["c"] as? [[Any]])
    let table = try #require(block["p"] as? [[Any]])
    let entries = try #require(block["q"] as? [Int])
    #expect(entries.count == rows.count)
    let passing = rows.indices.filter { (rows[$0][7] as? Int) == 0 }
    let indexed = passing.filter { entries[$0] >= 0 }
    print(
      "100,000 decisions with distinct parameters: report.html \(data.count) bytes, "
        + "\(indexed.count) of \(passing.count) passing cases indexed, \(table.count) entries")
    #expect(data.count < 25_000_000)
    #expect(indexed.count == passing.count)
    // A passing case is found by a parameter value only it has.
    let probe = try #require(results.cases.first { $0.passed })
    let value = try #require(probe.actual?.parameters["release"]?.stringValue)
    let found = passing.filter { entries[$0] >= 0 && "\(table[entries[$0]])".contains(value) }
    #expect(found.count == 1)
    #expect((found.first.map { rows[$0][3] as? Int } ?? nil) == probe.step)
  }

  @Test(
    "timelines past the byte budget are left to results.json: failing threads first, each group in table order up to the first that does not fit"
  )
  func timelinesStopAtTheirByteBudget() throws {
    let threads = DeployBotRuns.threads(count: 600)
    var results = DeployBotRuns.run(id: "wide", threads: threads, errorRate: 0.2, seed: 5)
    // Every event carries 4 KB of text: about 2,400 events, 10 MB of timelines in all.
    let padding = String(repeating: "x", count: 4_096)
    results.threads = results.threads?.mapValues { events in
      events.map { event in
        var event = event
        event.data = ["text": .string(padding), "seq": .int(Int64(event.seq))]
        return event
      }
    }
    let html = String(decoding: try HTMLReportWriter().render(variants: [results]), as: UTF8.self)
    let block = try Self.dataBlock(html)
    let names = try #require(block["h"] as? [String])
    let rows = try #require(block["c"] as? [[Any]])
    let timelines = try #require(block["e"] as? [String: Any])
    #expect(rows.count == results.cases.count, "every case keeps its row")
    #expect(!timelines.isEmpty)
    #expect(timelines.count < names.count, "some timelines are left out")
    let embedded = try JSONSerialization.data(withJSONObject: timelines)
    #expect(embedded.count <= HTMLReportWriter().maxTimelineBytes + 64 * timelines.count)
    let failing = Set(results.cases.filter { !$0.passed }.map(\.thread))
    let embeddedNames = Set(timelines.keys.compactMap { Int($0) }.map { names[$0] })
    // Each group's embedded threads are the first of the group in table order.
    let failingInOrder = names.filter { failing.contains($0) }
    let passingInOrder = names.filter { !failing.contains($0) }
    let failingTaken = failingInOrder.prefix { embeddedNames.contains($0) }
    let passingTaken = passingInOrder.prefix { embeddedNames.contains($0) }
    #expect(!failingTaken.isEmpty)
    #expect(failingTaken.count + passingTaken.count == embeddedNames.count)
    #expect(failingTaken.count < failingInOrder.count, "the failing threads alone overflow it")
  }
}
