import ArgumentParser
import Foundation
import RefoldCore
import RefoldEval
import RefoldModels
import RefoldServer

/// What `refold context`, `ask` and `why` share: the thread and its decision point, the
/// suite whose agent is asked, the variants, the model source and the edits.
struct OnCallOptions: ParsableArguments {
  @Argument(
    help: ArgumentHelp(
      "A thread in the store, a golden thread of the suite, or an event JSONL file; "
        + "THREAD#STEP names the step as case ids do.",
      valueName: "thread"))
  var thread: String

  @Option(
    name: .customLong("at"),
    help: "The decision point, numbered from 0 as in case ids (deploy-001#2 is --at 2).")
  var step: Int?

  @Option(
    name: .long,
    help: "The suite whose agent is asked: its directory, its suite.yaml, or a name under evals/.")
  var suite: String

  @Option(name: .long, help: "The variant asked (repeatable; default: the suite's first).")
  var variant: [String] = []

  @Option(name: .long, help: "Model source: recorded, live or record.")
  var model: String = "recorded"

  @Option(name: .long, help: "The model endpoint, overriding the spec (or REFOLD_BASE_URL).")
  var baseURL: String?

  @Option(
    name: .long,
    help: "The cassette that answers (and records) the questions, instead of the variant's.")
  var cassette: String?

  @Option(
    name: .customLong("set"),
    help: ArgumentHelp(
      "Replace a value in an event's data: SEQ.PATH=JSON, such as 4.tag='\"v1.2.0\"' "
        + "(repeatable).", valueName: "seq.path=json"))
  var sets: [String] = []

  @Option(
    name: .customLong("drop"),
    help: ArgumentHelp("Leave the event at SEQ out (repeatable).", valueName: "seq"))
  var drops: [String] = []

  @Option(
    name: .customLong("insert-after"), parsing: .upToNextOption,
    help: ArgumentHelp(
      "Add an event after the one at SEQ: SEQ TYPE JSON (repeatable).",
      valueName: "seq type json"))
  var inserts: [String] = []

  @Flag(help: "Print JSON.")
  var json = false

  @OptionGroup var store: StoreOptions

  func validate() throws {
    guard ModelSourceKind(rawValue: model) != nil else {
      throw ValidationError("--model must be recorded, live or record, not \"\(model)\"")
    }
    if let step, step < 0 { throw ValidationError("--at must not be negative") }
    guard inserts.count % 3 == 0 else {
      throw ValidationError("--insert-after takes three values: SEQ TYPE JSON")
    }
  }

  /// The model source kind `--model` names.
  var kind: ModelSourceKind { ModelSourceKind(rawValue: model) ?? .recorded }

  /// The edits, parsed.
  func edits() throws -> [ThreadEdit] {
    var edits = try sets.map { text throws(ProbeError) in try ThreadEdit(set: text) }
    edits += try drops.map { text throws(ProbeError) in try ThreadEdit(drop: text) }
    var index = 0
    while index + 2 < inserts.count {
      edits.append(
        try ThreadEdit(
          insertAfter: inserts[index], type: inserts[index + 1], data: inserts[index + 2]))
      index += 3
    }
    return edits
  }

  /// Loads the suite, the variants and the thread, and finds the decision point.
  ///
  /// - Throws: `CLIError` for an unknown thread or a missing step, what the suite loader
  ///   throws, ``EvaluationError`` for an unknown variant, ``ProbeError`` for a step out of
  ///   range or a bad edit.
  func target() throws -> OnCallTarget {
    var name = thread
    var step = self.step
    if step == nil, let hash = thread.lastIndex(of: "#"),
      let number = Int(thread[thread.index(after: hash)...])
    {
      name = String(thread[..<hash])
      step = number
    }
    guard let step else {
      throw CLIError("name the decision point with --at STEP or THREAD#STEP (steps count from 0)")
    }
    let context = CLIContext.current
    let override = baseURL ?? context.environment["REFOLD_BASE_URL"]
    let loader = SuiteLoader(
      specLoader: AgentSpecLoader(environment: context.environment, baseURLOverride: override))
    var suite = try loader.load(Self.suitePath(self.suite))
    if let cassette { suite.cassette = cassette }
    let variants = Array(
      try Evaluation.select(variant, of: suite).prefix(variant.isEmpty ? 1 : Int.max))
    let events = try Self.events(of: name, store: store, suite: suite)
    return OnCallTarget(
      suite: suite, variants: variants, events: events, step: step, edits: try edits(),
      kind: kind,
      endpoint: ModelEndpoint(kind: kind, upstream: override, dependencies: context.dependencies))
  }

  /// `path` as given when it exists, else `evals/<path>` when that does (a report's
  /// drill-down names the suite by its name).
  static func suitePath(_ path: String) -> String {
    let conventional = "evals/\(path)"
    if !FileManager.default.fileExists(atPath: path),
      FileManager.default.fileExists(atPath: conventional)
    {
      return conventional
    }
    return path
  }

  /// The events of `name`: a JSONL file of one thread, a thread in the store, or a golden
  /// thread of the suite, in that order.
  static func events(of name: String, store: StoreOptions, suite: Suite) throws -> [Event] {
    if name == "-" || FileManager.default.fileExists(atPath: name) {
      let threads = try ReplayCommand.readThreads(file: name)
      guard threads.count == 1, let only = threads.first else {
        throw CLIError(
          "\(name) holds \(threads.count) threads (\(threads.map(\.thread).prefix(3).joined(separator: ", "))); "
            + "a question is about one thread, so give it a file of its own")
      }
      return only.events
    }
    let path = store.databaseName
    if store.storeExists {
      let eventStore = try store.openEventStore(creating: false)
      if try eventStore.containsThread(name) { return try eventStore.events(in: name) }
    }
    if let golden = try suite.loadThreads().first(where: { $0.first?.thread == name }) {
      return golden
    }
    throw CLIError(
      "no thread \"\(name)\": it is not a file, not in the store at \(path), and not a golden "
        + "thread of suite \(suite.name)")
  }
}

/// A decision point of a thread, resolved: the suite, the variants asked, the thread's
/// events and the edits.
struct OnCallTarget {
  var suite: Suite
  var variants: [Variant]
  var events: [Event]
  var step: Int
  var edits: [ThreadEdit]
  var kind: ModelSourceKind
  /// Where an external agent's own model calls go, as in `refold eval`; stopped by
  /// ``asking(_:)``.
  var endpoint: ModelEndpoint

  /// The decision point as `variant`'s agent sees the thread.
  func probe(for variant: Variant) throws -> DecisionProbe {
    try DecisionProbe(
      events: events, step: step, reducer: suite.spec(for: variant).reducer,
      expectations: suite.expectations, edits: edits)
  }

  /// The decider of `variant`: the suite's external agent, or the variant's model behind
  /// its cassette (or `--cassette`), as `refold eval --model` builds it.
  func decider(for variant: Variant, kind: ModelSourceKind? = nil) throws -> any Decider {
    let context = CLIContext.current
    var model = SuiteModel(
      kind: kind ?? self.kind, environment: context.environment,
      dependencies: context.dependencies)
    let endpoint = self.endpoint
    model.agentModels = { variant, cassette, upstream in
      try endpoint.channel(variant: variant.name, cassette: cassette, upstream: upstream)
    }
    return try model.decider(suite: suite, variant: variant, spec: suite.spec(for: variant))
  }

  /// Runs `body`, then stops the model endpoint, whether or not `body` threw.
  func asking<Value>(_ body: () async throws -> Value) async throws -> Value {
    do {
      let value = try await body()
      await endpoint.stop()
      return value
    } catch {
      await endpoint.stop()
      throw error
    }
  }

  /// `thread#step (seq N)`, for headings.
  func heading(_ probe: DecisionProbe) -> String {
    "\(probe.thread)#\(probe.point.step) (seq \(probe.point.seq))"
  }
}
