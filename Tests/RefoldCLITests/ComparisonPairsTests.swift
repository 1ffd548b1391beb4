import Foundation
import RefoldCLI
import RefoldReport
import RefoldShared
import RefoldTestSupport
import RefoldTesting
import Testing

/// Which variants `refold eval` compares (`--compare all`, `compare_to:`), how `compare`
/// labels two runs of one variant, and p-values printed with their significance.
@Suite(.serialized) struct ComparisonPairsTests {
  static let repository = Repository.root

  func refold(_ arguments: [String]) async -> (code: Int32, stdout: String, stderr: String) {
    let stdout = CapturedOutput()
    let stderr = CapturedOutput()
    let code = await CLI.run(arguments: arguments, stdout: stdout, stderr: stderr, environment: [:])
    return (code, stdout.text, stderr.text)
  }

  /// The demo suite copied with a third variant (`third`, the baseline's agent and cassette)
  /// and `extra` appended to its suite.yaml.
  func threeVariantSuite(_ extra: String = "") throws -> TemporaryDirectory {
    let directory = try deployBotEvalCopy()
    try FileManager.default.copyItem(
      atPath: directory.path("cassettes/baseline.jsonl"),
      toPath: directory.path("cassettes/third.jsonl"))
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
        third: {}
      fixtures:
        - \(Self.repository)/fixtures/deploybot/threads/*.jsonl
      expectations: expectations.yaml
      cassette: cassettes/{variant}.jsonl
      modes: [step, loop]
      \(deployBotJudge)
      \(extra)
      """)
    return directory
  }

  func comparisons(_ path: String) throws -> [Comparison] {
    try Comparison.decode(Data(contentsOf: URL(fileURLWithPath: path)))
  }

  @Test func compareAllGivesEveryPairAndCompareToNamesTheReference() async throws {
    let suite = try threeVariantSuite()
    let all = await refold([
      "eval", suite.path("suite.yaml"), "--compare", "all", "--db", suite.path("d.sqlite"),
      "--out", suite.path("all"),
    ])
    #expect(all.code == 0, "\(all.stderr)")
    for pair in ["baseline → concise-json:", "baseline → third:", "concise-json → third:"] {
      #expect(all.stdout.contains("\n\(pair)"), "\(pair)")
    }
    let written = try comparisons(suite.path("all/comparison.json"))
    #expect(
      written.map { "\($0.baseline.variant)/\($0.candidate.variant)" }
        == ["baseline/concise-json", "baseline/third", "concise-json/third"])
    // Every p-value says whether it matters.
    let mcnemar = all.stdout.split(separator: "\n").filter { $0.hasPrefix("McNemar") }
    #expect(mcnemar.count == 3)
    #expect(
      mcnemar.allSatisfy {
        $0.contains(", not significant") || $0.contains(", significant at α = 0.05")
      })

    let byDefault = await refold([
      "eval", suite.path("suite.yaml"), "--db", suite.path("d.sqlite"), "--out",
      suite.path("default"),
    ])
    #expect(byDefault.code == 0, "\(byDefault.stderr)")
    #expect(byDefault.stdout.contains("\nbaseline → concise-json:"))
    #expect(byDefault.stdout.contains("\nbaseline → third:"))
    #expect(!byDefault.stdout.contains("concise-json → third"))

    let referenced = try threeVariantSuite("compare_to: concise-json")
    let anchored = await refold([
      "eval", referenced.path("suite.yaml"), "--db", referenced.path("d.sqlite"), "--out",
      referenced.path("out"),
    ])
    #expect(anchored.code == 0, "\(anchored.stderr)")
    #expect(anchored.stdout.contains("\nconcise-json → baseline:"))
    #expect(anchored.stdout.contains("\nconcise-json → third:"))
    #expect(!anchored.stdout.contains("baseline → third"))
    let anchoredFiles = try comparisons(referenced.path("out/comparison.json"))
    #expect(anchoredFiles.allSatisfy { $0.baseline.variant == "concise-json" })
    #expect(anchoredFiles.count == 2)
  }

  @Test func compareToNamingNoVariantIsExitTwoWithItsLine() async throws {
    let suite = try threeVariantSuite("compare_to: basline")
    let run = await refold([
      "eval", suite.path("suite.yaml"), "--db", suite.path("d.sqlite"), "--out", suite.path("o"),
    ])
    #expect(run.code == 2)
    // compare_to is on the suite file's last line.
    let lines = try String(contentsOfFile: suite.path("suite.yaml"), encoding: .utf8)
      .split(separator: "\n", omittingEmptySubsequences: false)
    let line = (lines.firstIndex { $0.hasPrefix("compare_to:") } ?? -1) + 1
    #expect(run.stderr.contains("suite.yaml:\(line): "), "\(run.stderr)")
    #expect(run.stderr.contains("compare_to"))
    #expect(run.stderr.contains("did you mean baseline?"), "\(run.stderr)")
  }

  @Test func compareLabelsTwoRunsOfOneVariantByRun() async throws {
    let suite = try threeVariantSuite()
    let db = suite.path("d.sqlite")
    for out in ["first", "second"] {
      let run = await refold([
        "eval", suite.path("suite.yaml"), "--variant", "baseline", "--db", db, "--out",
        suite.path(out),
      ])
      #expect(run.code == 0, "\(run.stderr)")
    }
    let first = try ResultsReader.read(from: suite.path("first/results.json"))
    let second = try ResultsReader.read(from: suite.path("second/results.json"))
    #expect(first.run.id != second.run.id)
    let compared = await refold(["compare", first.run.id, second.run.id, "--db", db])
    #expect(compared.code == 0, "\(compared.stderr)")
    #expect(!compared.stdout.contains("baseline → baseline"))
    #expect(compared.stdout.contains("baseline, run A → run B: "))
    #expect(compared.stdout.contains("run A \(first.run.id), run B \(second.run.id)"))
    #expect(compared.stdout.contains("exact p = 1.0000, not significant"))
  }
}
