import ArgumentParser
import Foundation
import RefoldCore
import RefoldEval
import RefoldShared

/// `refold ask THREAD --at STEP`: asks the agent again at a decision point and prints its
/// decision beside the recorded one, with a parameter diff.
///
/// The thread may be edited first (`--set`, `--drop`, `--insert-after`; nothing is stored);
/// `--times N` asks N times and prints how often each decision came back, with 95% Wilson
/// intervals; `--variant A --variant B` asks each variant and shows them side by side.
struct AskCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "ask",
    abstract: "Ask the agent again at a decision point, beside the recorded decision.",
    discussion: """
      THREAD is a thread in the store, a golden thread of --suite, or an event JSONL file; \
      steps count from 0 as in case ids (deploy-001#2). --model recorded answers from the \
      variant's cassette (or --cassette), live asks the endpoint, record asks it and appends \
      to the cassette. Exit codes: 0 asked (whatever the agent decided); 2 an unknown thread, \
      a step out of range or a bad edit; 3 the model source or the agent failed.
      """)

  @OptionGroup var options: OnCallOptions

  @Option(name: .long, help: "Ask N times and print the distribution of decisions.")
  var times: Int = 1

  func validate() throws {
    guard times >= 1 else { throw ValidationError("--times must be at least 1") }
  }

  func run() async throws {
    let target = try options.target()
    var rows: [VariantAnswers] = []
    var asked: DecisionProbe?
    try await target.asking {
      for variant in target.variants {
        let probe = try target.probe(for: variant)
        asked = probe
        let decider = try target.decider(for: variant).session()
        var answers: [ProbeAnswer] = []
        for _ in 0..<times {
          answers.append(try await probe.ask(decider, context: probe.context))
        }
        rows.append(VariantAnswers(variant: variant.name, answers: answers))
      }
    }
    let output = CLIContext.current.stdout
    guard let probe = asked else { return }
    if options.json {
      output.line(JSONText.pretty(Self.document(rows, probe: probe, target: target, times: times)))
      return
    }
    for line in Self.describe(
      rows, heading: target.heading(probe), model: target.kind.rawValue,
      recorded: probe.point.intent, times: times, edits: target.edits.count)
    {
      output.line(line)
    }
  }

  /// One variant's answers.
  struct VariantAnswers {
    var variant: String
    var answers: [ProbeAnswer]
  }

  /// The answers as readable lines: the recorded decision, then each variant's answer (or
  /// its distribution) and where its parameters differ.
  static func describe(
    _ rows: [VariantAnswers], heading: String, model: String, recorded: Intent, times: Int,
    edits: Int
  ) -> [String] {
    let edited = edits == 0 ? "" : " · \(edits) edit\(edits == 1 ? "" : "s")"
    let repeated = times == 1 ? "" : " · \(times) asks per variant"
    var lines = ["ask \(heading) · model \(model)\(edited)\(repeated)"]
    let width = max("recorded".count, rows.map(\.variant.count).max() ?? 0)
    func padded(_ text: String) -> String {
      text + String(repeating: " ", count: width - text.count)
    }
    lines.append("  \(padded("recorded"))  \(ProbeAnswer.label(recorded))")
    if times == 1 {
      for row in rows {
        guard let answer = row.answers.first else { continue }
        lines.append(
          "  \(padded(row.variant))  \(answer.label)  \(answer.scored.verdict.rawValue)")
      }
      for row in rows {
        for difference in row.answers.first?.scored.parameterDiff ?? [] {
          lines.append("  \(row.variant): " + describe(difference))
        }
      }
      return lines
    }
    for row in rows {
      lines.append("\(row.variant):")
      let distribution = DecisionDistribution(row.answers)
      for entry in distribution.entries {
        let share = entry.share
        let interval = String(
          format: "%5.1f%% [%.1f–%.1f]", (share.rate ?? 0) * 100, (share.low ?? 0) * 100,
          (share.high ?? 0) * 100)
        lines.append(
          "  \(entry.count)/\(distribution.total)  \(interval)  \(entry.label)  "
            + entry.answer.scored.verdict.rawValue)
      }
    }
    return lines
  }

  /// `tag: recorded "v1.4.0", asked "v1.3.2" (exact: …)`.
  static func describe(_ difference: ParameterDifference) -> String {
    let expected = difference.expected?.canonicalString ?? "absent"
    let actual = difference.actual?.canonicalString ?? "absent"
    return
      "\(difference.path): recorded \(expected), asked \(actual) (\(difference.matcher): "
      + "\(difference.reason))"
  }

  /// The answers as the JSON `--json` prints.
  static func document(
    _ rows: [VariantAnswers], probe: DecisionProbe, target: OnCallTarget, times: Int
  ) -> JSONValue {
    .object([
      "thread": .string(probe.thread), "step": .int(Int64(probe.point.step)),
      "seq": .int(Int64(probe.point.seq)),
      "model": .string(target.kind.rawValue), "times": .int(Int64(times)),
      "edits": .int(Int64(target.edits.count)),
      "recorded": intentValue(probe.point.intent),
      "variants": .array(
        rows.map { row in
          let distribution = DecisionDistribution(row.answers)
          return .object([
            "variant": .string(row.variant),
            "answers": .array(row.answers.map(answerValue)),
            "distribution": .array(
              distribution.entries.map { entry in
                .object([
                  "decision": .string(entry.label), "count": .int(Int64(entry.count)),
                  "rate": entry.share.rate.map(JSONValue.double) ?? .null,
                  "low": entry.share.low.map(JSONValue.double) ?? .null,
                  "high": entry.share.high.map(JSONValue.double) ?? .null,
                  "verdict": .string(entry.answer.scored.verdict.rawValue),
                ])
              }),
          ])
        }),
    ])
  }

  /// `{"intent": …, "params": …}`.
  static func intentValue(_ intent: Intent) -> JSONValue {
    .object(["intent": .string(intent.name), "params": intent.parameters])
  }

  /// One answer: the decision, its verdict against the recorded one, the parameter diff and
  /// the cassette key.
  static func answerValue(_ answer: ProbeAnswer) -> JSONValue {
    var members: [String: JSONValue] = [
      "decision": .string(answer.label), "verdict": .string(answer.scored.verdict.rawValue),
    ]
    if let actual = answer.scored.actual {
      members["intent"] = .string(actual.name)
      members["params"] = actual.parameters
    }
    if let failure = answer.scored.failure { members["failure"] = .string(failure) }
    if let key = answer.scored.exchangeKey { members["key"] = .string(key) }
    members["parameter_diff"] = .array(
      (answer.scored.parameterDiff ?? []).map { difference in
        .object([
          "path": .string(difference.path), "expected": difference.expected ?? .null,
          "actual": difference.actual ?? .null, "matcher": .string(difference.matcher),
          "reason": .string(difference.reason),
        ])
      })
    return .object(members)
  }
}
