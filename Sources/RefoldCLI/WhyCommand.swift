import ArgumentParser
import Foundation
import RefoldCore
import RefoldEval
import RefoldModels
import RefoldShared

/// `refold why THREAD --at STEP`: the events a decision depends on.
///
/// It removes events before the decision point and asks again (``DecisionAblation``): each
/// event alone, then delta debugging for a smallest set whose removal flips the decision.
/// Every question goes through a cassette, so a `why` asked once replays exactly: `--model
/// live` and `record` ask the model for what the cassette lacks and append it, `recorded`
/// answers from the cassette only.
struct WhyCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "why",
    abstract: "Find the events a decision depends on (ablation and ddmin).",
    discussion: """
      A decision flips when the agent answers another intent or other parameters. The \
      cassette is --cassette, else the variant's cassette with .why.jsonl for .jsonl; with \
      --model recorded every question must be in it. Seqs in the output are the thread's \
      (after any edits). Exit codes: 0 the search ran (whether or not a set was found); 2 an \
      unknown thread, a step out of range, a bad edit; 3 the model source or the agent failed.
      """)

  @OptionGroup var options: OnCallOptions

  @Option(name: .long, help: "The most model calls the search makes.")
  var budget: Int = 64

  @Flag(
    name: .long,
    help: "Blank events (data replaced by {}) instead of leaving them out.")
  var blank = false

  @Option(
    name: .long,
    help: ArgumentHelp(
      "Also write an HTML page with the thread and the deciding events marked.",
      valueName: "file"))
  var html: String?

  func validate() throws {
    guard options.variant.count <= 1 else {
      throw ValidationError("why asks one variant; pass --variant once")
    }
  }

  func run() async throws {
    var target = try options.target()
    guard let variant = target.variants.first else { return }
    var cassette: String?
    var kind = target.kind
    if target.suite.externalAgent == nil {
      if options.cassette == nil {
        target.suite.cassette = target.suite.cassette.map(Self.whyCassette)
      }
      cassette = target.suite.cassettePath(for: variant)
      if kind == .live { kind = .record }
    }
    let probe = try target.probe(for: variant)
    let external = target.suite.externalAgent != nil
    let report = try await target.asking {
      let decider = try target.decider(for: variant, kind: kind)
      return try await DecisionAblation(
        probe: probe, budget: budget, removal: blank ? .blank : .drop,
        failureIsAnswer: external
      ).run(decider)
    }
    if let html {
      try AtomicFile.write(
        WhyPage.render(
          report, probe: probe, variant: variant.name, model: kind.rawValue, cassette: cassette),
        to: html)
    }
    let output = CLIContext.current.stdout
    if options.json {
      output.line(
        JSONText.pretty(
          Self.document(
            report, probe: probe, variant: variant.name, model: kind.rawValue,
            cassette: cassette)))
      return
    }
    for line in Self.describe(
      report, probe: probe, heading: target.heading(probe), variant: variant.name,
      model: kind.rawValue, cassette: cassette)
    {
      output.line(line)
    }
  }

  /// The why cassette beside `path`: `cassettes/{variant}.why.jsonl` for
  /// `cassettes/{variant}.jsonl`.
  static func whyCassette(_ path: String) -> String {
    path.hasSuffix(".jsonl") ? String(path.dropLast(6)) + ".why.jsonl" : path + ".why"
  }

  /// The report as readable lines.
  static func describe(
    _ report: AblationReport, probe: DecisionProbe, heading: String, variant: String,
    model: String, cassette: String?
  ) -> [String] {
    var lines = ["why \(heading) · variant \(variant) · model \(model)"]
    lines.append(
      "  decision  \(report.baseline.label)  (recorded: \(ProbeAnswer.label(probe.point.intent)))"
    )
    let types = Dictionary(
      probe.context.map { ($0.seq, $0.type) }, uniquingKeysWith: { first, _ in first })
    let width = types.values.map(\.count).max() ?? 0
    lines.append("  removing each event alone:")
    for seq in report.candidates {
      let type = types[seq] ?? ""
      let name = "seq \(seq)  " + type + String(repeating: " ", count: width - type.count)
      guard let single = report.singles[seq] else {
        lines.append("    \(name)  not asked (budget)")
        continue
      }
      lines.append(
        "    \(name)  " + (single.flips ? "flips → \(single.answer.label)" : "keeps"))
    }
    lines.append(
      "  removing all \(report.candidates.count) events before it: "
        + (report.allRemovedFlips ? "flips" : "keeps the decision"))
    if let minimal = report.minimal {
      let seqs = minimal.map { "seq \($0) (\(types[$0] ?? ""))" }.joined(separator: ", ")
      let flipped = report.minimalAnswer.map { " → \($0.label)" } ?? ""
      lines.append(
        report.isOneMinimal
          ? "  smallest set whose removal flips it: \(seqs)\(flipped)"
          : "  a set whose removal flips it, not yet minimal: \(seqs)\(flipped)")
    } else {
      lines.append("  no set of events found whose removal flips it")
    }
    if report.budgetSpent {
      lines.append(
        "  the budget of \(report.budget) model calls ran out before the search finished")
    }
    lines.append(
      "  model calls: \(report.calls) of \(report.budget)"
        + (cassette.map { " · cassette \($0)" } ?? ""))
    return lines
  }

  /// The report as the JSON `--json` prints.
  static func document(
    _ report: AblationReport, probe: DecisionProbe, variant: String, model: String,
    cassette: String?
  ) -> JSONValue {
    let minimal = Set(report.minimal ?? [])
    let events: [JSONValue] = probe.context.map { event in
      var members: [String: JSONValue] = [
        "seq": .int(Int64(event.seq)), "type": .string(event.type),
        "in_minimal": .bool(minimal.contains(event.seq)),
      ]
      if let single = report.singles[event.seq] {
        members["alone"] = .object([
          "flips": .bool(single.flips), "decision": .string(single.answer.label),
        ])
      } else {
        members["alone"] = .null
      }
      return .object(members)
    }
    return .object([
      "thread": .string(probe.thread), "step": .int(Int64(probe.point.step)),
      "seq": .int(Int64(probe.point.seq)), "variant": .string(variant), "model": .string(model),
      "recorded": AskCommand.intentValue(probe.point.intent),
      "decision": AskCommand.answerValue(report.baseline),
      "events": .array(events),
      "all_removed_flips": .bool(report.allRemovedFlips),
      "minimal": report.minimal.map { .array($0.map { .int(Int64($0)) }) } ?? .null,
      "minimal_decision": report.minimalAnswer.map { .string($0.label) } ?? .null,
      "one_minimal": .bool(report.isOneMinimal),
      "calls": .int(Int64(report.calls)), "budget": .int(Int64(report.budget)),
      "budget_spent": .bool(report.budgetSpent),
      "cassette": cassette.map(JSONValue.string) ?? .null,
    ])
  }
}
