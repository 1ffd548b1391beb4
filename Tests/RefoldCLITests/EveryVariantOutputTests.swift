import Foundation
import RefoldCLI
import RefoldReport
import RefoldShared
import RefoldTestSupport
import RefoldTesting
import Testing

/// Every variant of an evaluation in every output: the evaluation's results.json
/// (`refold.results/v2`) beside each variant's own file, the report's header, summary.md with
/// every variant and the comparisons, absolute links with `--report-url`, and v1 files still
/// read by `refold report`, `compare` and `--baseline`.
@Suite(.serialized) struct EveryVariantOutputTests {
  static let repository = Repository.root

  func refold(_ arguments: [String], environment: [String: String] = [:]) async -> (
    code: Int32, stdout: String, stderr: String
  ) {
    let stdout = CapturedOutput()
    let stderr = CapturedOutput()
    let code = await CLI.run(
      arguments: arguments, stdout: stdout, stderr: stderr, environment: environment)
    return (code, stdout.text, stderr.text)
  }

  /// The demo suite with a third variant, `terse`, whose cassette was never recorded.
  func suiteWithAnUnrecordedVariant() throws -> TemporaryDirectory {
    let directory = try deployBotEvalCopy()
    try directory.write(
      "suite.yaml",
      """
      name: deploybot
      agent: agent.yaml
      variants:
        baseline: {}
        concise-json:
          prompt: prompts/concise.mustache
          context_format: json-events
          modes: [step]
        terse:
          prompt: prompts/concise.mustache
      fixtures:
        - \(Self.repository)/fixtures/deploybot/threads/*.jsonl
      expectations: expectations.yaml
      cassette: cassettes/{variant}.jsonl
      modes: [step, loop]
      \(deployBotJudge)
      thresholds:
        min_intent_accuracy: 0.015
      """)
    return directory
  }

  func text(_ path: String) throws -> String {
    try String(contentsOfFile: path, encoding: .utf8)
  }

  func json(_ path: String) throws -> [String: Any] {
    let object = try JSONSerialization.jsonObject(
      with: Data(contentsOf: URL(fileURLWithPath: path)))
    return try #require(object as? [String: Any])
  }

  @Test func aVariantWithoutItsCassetteMakesTheEvaluationIncompleteEverywhere() async throws {
    let suite = try suiteWithAnUnrecordedVariant()
    let out = suite.path("out")
    let run = await refold([
      "eval", suite.path("suite.yaml"), "--db", suite.path("d.sqlite"), "--out", out,
    ])
    #expect(run.code == 3, "\(run.stderr)")
    #expect(run.stdout.split(separator: "\n").last?.hasPrefix("INCOMPLETE ") == true)
    #expect(run.stderr.contains("no cassette at \(suite.path("cassettes/terse.jsonl"))"))

    // results.json is the evaluation's: every variant, its run, summary and gate.
    let manifest = try json(out + "/results.json")
    #expect(manifest["schema"] as? String == "refold.results/v2")
    let evaluation = try #require(manifest["evaluation"] as? [String: Any])
    #expect(evaluation["verdict"] as? String == "INCOMPLETE")
    let variants = try #require(manifest["variants"] as? [[String: Any]])
    #expect(
      variants.compactMap { $0["results"] as? String } == [
        "baseline/results.json", "concise-json/results.json", "terse/results.json",
      ])
    #expect(
      variants.compactMap { ($0["gate"] as? [String: Any])?["verdict"] as? String }
        == ["PASS", "PASS", "INCOMPLETE"])

    // Each variant's own file holds its run: the others scored, terse's every case a source
    // error, counted.
    let (runs, read) = try ResultsReader.readEvaluation(from: out + "/results.json")
    #expect(read?.evaluation.id == evaluation["id"] as? String)
    #expect(runs.map(\.run.variant) == ["baseline", "concise-json", "terse"])
    let terse = runs[2]
    #expect(!terse.cases.isEmpty)
    #expect(terse.cases.allSatisfy { $0.verdict == .sourceError })
    #expect(terse.summary.sourceErrors == terse.cases.count)
    #expect(terse.summary.decisions == 0)
    for scored in runs.prefix(2) {
      #expect(scored.summary.sourceErrors == 0)
      #expect(scored.summary.decisions > 0)
      #expect(scored.gate?.verdict == .pass)
    }
    let validation = try EvalCommandTests.runScript("scripts/report-validate-results.py", [out])
    #expect(validation.status == 0, "\(validation.output)")
    #expect(validation.output.contains("validated 4 file(s), 0 invalid"), "\(validation.output)")

    // summary.md: the evaluation's verdict, every variant with its run id and rates, no pass
    // mark anywhere, terse's source errors counted, and the comparisons.
    let summary = try text(out + "/summary.md")
    let heading = summary.split(separator: "\n").first.map(String.init) ?? ""
    #expect(heading == "### Refold · deploybot · baseline, concise-json, terse — ⚠️ INCOMPLETE")
    #expect(summary.contains("**Gate: INCOMPLETE**"))
    #expect(!summary.contains("✅"), "\(summary)")
    for results in runs {
      #expect(summary.contains("| \(results.run.variant) | `\(results.run.id)` |"))
      #expect(summary.contains("#### \(results.run.variant) — "))
    }
    #expect(summary.contains("| terse | `\(terse.run.id)` | ⚠️ INCOMPLETE |"))
    #expect(summary.contains("**\(terse.summary.sourceErrors) source errors**"))
    #expect(summary.contains("| baseline → concise-json | "))
    #expect(summary.contains("| baseline → terse | 0 | "))
    #expect(summary.contains("no shared cases to test"))

    // The report's header gives every run id, the banner the evaluation's verdict, and a
    // link to the comparison page.
    let html = try text(out + "/report.html")
    let header = try #require(html.range(of: "</header>")).lowerBound
    let head = String(html[..<header])
    for results in runs { #expect(head.contains(">\(results.run.id)<"), "\(results.run.id)") }
    #expect(head.contains("data-verdict=\"INCOMPLETE\""))
    #expect(head.contains("id=\"comparison-link\" href=\"comparison.html\""))
    #expect(FileManager.default.fileExists(atPath: out + "/comparison.html"))

    // junit.xml: one gate suite per variant, red as the exit code is.
    let junit = try EvalCommandTests.runScript(
      "scripts/report-junit-verdict.py", [out + "/junit.xml"])
    #expect(junit.status == 0, "\(junit.output)")
    let totals =
      (try? JSONSerialization.jsonObject(with: Data(junit.output.utf8)) as? [String: Any]) ?? [:]
    #expect(totals["verdicts"] as? [String] == ["PASS", "PASS", "INCOMPLETE"], "\(totals)")
    #expect(totals["red"] as? Bool == true)
  }

  @Test func summaryListsEveryVariantTheComparisonAndTheWorstRegressionsFirst() async throws {
    let scratch = try TemporaryDirectory()
    let out = scratch.path("out")
    let run = await refold([
      "eval", "\(Self.repository)/evals/deploybot", "--db", scratch.path("d.sqlite"), "--out",
      out,
    ])
    #expect(run.code == 0, "\(run.stderr)")
    let (runs, _) = try ResultsReader.readEvaluation(from: out + "/results.json")
    #expect(runs.map(\.run.variant) == ["baseline", "concise-json"])
    let comparison = Comparison.compare(runs[0], runs[1])
    let summary = try text(out + "/summary.md")
    #expect(summary.hasPrefix("### Refold · deploybot · baseline, concise-json — ✅ PASS\n"))
    for results in runs {
      let intent = results.summary.intentAccuracy
      #expect(
        summary.contains(
          "| \(results.run.variant) | `\(results.run.id)` | ✅ PASS | "
            + String(format: "%.1f%%", (intent.rate ?? 0) * 100)
            + " (\(intent.passed)/\(intent.total)) |"), "\(results.run.variant)")
      // Every variant's checks are listed under its own heading.
      let section = try #require(summary.range(of: "#### \(results.run.variant) — ✅ PASS"))
      #expect(summary[section.upperBound...].contains("- ✅ Intent accuracy ≥ 1.5%: passed"))
    }
    #expect(
      summary.contains(
        "| baseline → concise-json | \(comparison.sharedCases) | "), "\(summary)")
    #expect(
      summary.contains(
        "\(comparison.regressions.count) | \(comparison.improvements.count) | "
          + "p = \(String(format: "%.4f", comparison.mcnemar.pValue)), "))
    // The regressions are listed, each linked to its case in the candidate's variant.
    let first = try #require(comparison.regressions.first)
    let encoded = first.id.replacingOccurrences(of: "#", with: "%23")
    #expect(summary.contains("](report.html#case=\(encoded)&variant=concise-json)"))
    let regressions = try #require(summary.range(of: "**Worst regressions**"))
    let comparisons = try #require(summary.range(of: "#### Comparisons"))
    #expect(comparisons.lowerBound < regressions.lowerBound)
    // Without --report-url the links stay relative.
    #expect(summary.contains("[report.html](report.html)"))
    #expect(summary.contains("[comparison.html](comparison.html)"))
    #expect(!summary.contains("](http"))
  }

  @Test func reportURLMakesTheSummaryLinksAbsoluteFromTheFlagOrTheEnvironment() async throws {
    let scratch = try TemporaryDirectory()
    let suite = "\(Self.repository)/evals/deploybot"
    let flagged = await refold([
      "eval", suite, "--db", scratch.path("d.sqlite"), "--out", scratch.path("flag"),
      "--report-url", "https://ci.example/runs/7/",
    ])
    #expect(flagged.code == 0, "\(flagged.stderr)")
    let fromFlag = try text(scratch.path("flag/summary.md"))
    #expect(fromFlag.contains("](https://ci.example/runs/7/report.html#case="))
    #expect(fromFlag.contains("[report.html](https://ci.example/runs/7/report.html)"))
    #expect(fromFlag.contains("[comparison.html](https://ci.example/runs/7/comparison.html)"))
    #expect(!fromFlag.contains("](report.html"))

    let environment = ["REFOLD_REPORT_URL": "https://artifacts.example/r/9"]
    let fromEnvironment = await refold(
      ["eval", suite, "--db", scratch.path("d.sqlite"), "--out", scratch.path("env")],
      environment: environment)
    #expect(fromEnvironment.code == 0, "\(fromEnvironment.stderr)")
    let summary = try text(scratch.path("env/summary.md"))
    #expect(summary.contains("](https://artifacts.example/r/9/report.html#case="))
    #expect(summary.contains("[comparison.html](https://artifacts.example/r/9/comparison.html)"))
    #expect(!summary.contains("](report.html"))

    // The flag wins over the environment; refold report takes both as well.
    let rendered = await refold(
      [
        "report", scratch.path("env/results.json"), "--db", scratch.path("d.sqlite"), "--out",
        scratch.path("again"), "--report-url", "https://other.example/x",
      ], environment: environment)
    #expect(rendered.code == 0, "\(rendered.stderr)")
    let again = try text(scratch.path("again/summary.md"))
    #expect(again.contains("[report.html](https://other.example/x/report.html)"))
    #expect(again.contains("| baseline → concise-json | "))
    #expect(!again.contains("artifacts.example"))
  }

  @Test func resultsFilesOfOneRunAreStillReadAndAnEvaluationsFileNamesItsVariants() async throws {
    let scratch = try TemporaryDirectory()
    let db = scratch.path("d.sqlite")
    let suite = "\(Self.repository)/evals/deploybot"
    let evaluated = await refold(["eval", suite, "--db", db, "--out", scratch.path("new")])
    #expect(evaluated.code == 0, "\(evaluated.stderr)")

    // The layout an evaluation of two variants had before refold.results/v2: the first
    // variant's run as results.json, the other's below it; both refold.results/v1 files.
    let old = scratch.path("old")
    try FileManager.default.createDirectory(
      atPath: old + "/concise-json", withIntermediateDirectories: true)
    try FileManager.default.copyItem(
      atPath: scratch.path("new/baseline/results.json"), toPath: old + "/results.json")
    try FileManager.default.copyItem(
      atPath: scratch.path("new/concise-json/results.json"),
      toPath: old + "/concise-json/results.json")
    #expect(try json(old + "/results.json")["schema"] as? String == "refold.results/v1")

    let reported = await refold([
      "report", old + "/results.json", "--db", db, "--out", scratch.path("old-report"),
    ])
    #expect(reported.code == 0, "\(reported.stderr)")
    let oldSummary = try text(scratch.path("old-report/summary.md"))
    #expect(oldSummary.hasPrefix("### Refold · deploybot · baseline — ✅ PASS"))
    #expect(
      try json(scratch.path("old-report/results.json"))["schema"] as? String == "refold.results/v1")

    let compared = await refold([
      "compare", old + "/results.json", old + "/concise-json/results.json", "--db", db,
    ])
    #expect(compared.code == 0, "\(compared.stderr)")
    #expect(compared.stdout.contains("baseline → concise-json: "))
    #expect(compared.stdout.contains("McNemar"))

    let againstOld = await refold([
      "eval", suite, "--variant", "baseline", "--baseline", old, "--db", db, "--out",
      scratch.path("against-old"),
    ])
    #expect(againstOld.code == 0, "\(againstOld.stderr)")

    // An evaluation's results.json gives a variant where one run is needed when the
    // variant is named, and otherwise says which files to give.
    let againstNew = await refold([
      "eval", suite, "--variant", "concise-json", "--baseline", scratch.path("new/results.json"),
      "--db", db, "--out", scratch.path("against-new"),
    ])
    #expect(againstNew.code == 0, "\(againstNew.stderr)")
    let comparison = try Comparison.decode(
      Data(contentsOf: URL(fileURLWithPath: scratch.path("against-new/comparison.json"))))
    #expect(comparison.map(\.baseline.variant) == ["concise-json"])

    for arguments in [
      ["compare", scratch.path("new/results.json"), old + "/results.json", "--db", db],
      ["eval", suite, "--baseline", scratch.path("new"), "--db", db, "--out", scratch.path("x")],
      ["merge", scratch.path("new/results.json"), "-o", scratch.path("m.json"), "--db", db],
    ] {
      let refused = await refold(arguments)
      #expect(refused.code == 2, "\(arguments[0]): \(refused.stderr)")
      #expect(refused.stderr.contains("holds 2 variants (baseline, concise-json)"))
      #expect(refused.stderr.contains(scratch.path("new/concise-json/results.json")))
    }
  }
}
