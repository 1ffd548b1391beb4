import ArgumentParser
import Foundation
import RefoldShared
import RefoldStore

/// `refold runs`: the stored evaluation runs, oldest first, with their scopes, verdicts and
/// rates.
struct RunsCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "runs",
    abstract: "List stored evaluation runs with suite, variant, scope, time, verdict and rates.")

  @Option(help: ArgumentHelp("Only the runs of this suite.", valueName: "name"))
  var suite: String?

  @Flag(help: "Print the runs as JSON.")
  var json = false

  @OptionGroup var store: StoreOptions

  func run() throws {
    let output = CLIContext.current.stdout
    let stores = try store.openStores(creating: false)
    let records = try suite.map { try stores.runStore().runs(suite: $0) } ?? stores.allRuns()
    if json {
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
      let data = try encoder.encode(records.map(Listing.init))
      output.line(String(decoding: data, as: UTF8.self))
      return
    }
    if records.isEmpty {
      let which = suite.map { " of suite \($0)" } ?? ""
      output.line("no runs\(which) in \(store.databaseName)")
      return
    }
    var table = TextTable([
      "RUN", "SUITE", "VARIANT", "SCOPE", "STARTED", "VERDICT", "INTENT", "PARAMS", "CASES",
    ])
    for record in records {
      let summary = record.summary
      table.append([
        record.info.id, record.info.suite, record.info.variant,
        record.info.scope?.rawValue ?? "-", record.info.startedAt,
        record.verdict?.rawValue ?? "-", Self.percent(summary.intentAccuracy),
        Self.percent(summary.parameterAccuracy), Self.percent(summary.casePassRate),
      ])
    }
    for line in table.lines { output.line(line) }
  }

  /// `82.4%`, or `-` for a rate with no cases.
  static func percent(_ rate: Rate) -> String {
    guard let value = rate.rate, value.isFinite else { return "-" }
    return String(format: "%.1f%%", value * 100)
  }

  /// One run in `refold runs --json`, in results.json's snake_case.
  struct Listing: Encodable {
    var id: String
    var suite: String
    var variant: String
    /// `suite`, `shard` or `ad_hoc`; absent for runs stored before runs recorded a scope.
    var scope: String?
    var startedAt: String
    var finishedAt: String
    var modelSource: String
    var verdict: String?
    var decisions: Int
    var sourceErrors: Int
    var intentAccuracy: Double?
    var parameterAccuracy: Double?
    var casePassRate: Double?

    init(_ record: RunRecord) {
      id = record.info.id
      suite = record.info.suite
      variant = record.info.variant
      scope = record.info.scope?.rawValue
      startedAt = record.info.startedAt
      finishedAt = record.info.finishedAt
      modelSource = record.info.modelSource
      verdict = record.verdict?.rawValue
      decisions = record.summary.decisions
      sourceErrors = record.summary.sourceErrors
      intentAccuracy = record.summary.intentAccuracy.rate
      parameterAccuracy = record.summary.parameterAccuracy.rate
      casePassRate = record.summary.casePassRate.rate
    }

    enum CodingKeys: String, CodingKey {
      case id, suite, variant, scope, verdict, decisions
      case startedAt = "started_at"
      case finishedAt = "finished_at"
      case modelSource = "model_source"
      case sourceErrors = "source_errors"
      case intentAccuracy = "intent_accuracy"
      case parameterAccuracy = "parameter_accuracy"
      case casePassRate = "case_pass_rate"
    }

    func encode(to encoder: any Encoder) throws {
      var container = encoder.container(keyedBy: CodingKeys.self)
      try container.encode(id, forKey: .id)
      try container.encode(suite, forKey: .suite)
      try container.encode(variant, forKey: .variant)
      try container.encode(scope, forKey: .scope)
      try container.encode(startedAt, forKey: .startedAt)
      try container.encode(finishedAt, forKey: .finishedAt)
      try container.encode(modelSource, forKey: .modelSource)
      try container.encode(verdict, forKey: .verdict)
      try container.encode(decisions, forKey: .decisions)
      try container.encode(sourceErrors, forKey: .sourceErrors)
      try container.encode(intentAccuracy, forKey: .intentAccuracy)
      try container.encode(parameterAccuracy, forKey: .parameterAccuracy)
      try container.encode(casePassRate, forKey: .casePassRate)
    }
  }
}
