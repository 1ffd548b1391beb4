import ArgumentParser
import Foundation
import RefoldCore
import RefoldStore

/// `refold replay THREAD|FILE`: fold a thread and report its state and integrity.
///
/// A FILE argument (an existing path, or `-` for standard input) is replayed straight from
/// its JSONL without touching the store; it may hold several threads.
struct ReplayCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "replay",
    abstract: "Fold a thread (from the store or a JSONL file) and report its state.",
    discussion: """
      An argument that names an existing file (or - for standard input) is replayed from that \
      file without touching the store; anything else is a thread id in the store. --at N \
      folds the first N events; the integrity report lists every broken invariant.
      """)

  @OptionGroup var store: StoreOptions

  @Argument(help: ArgumentHelp("A thread id, or an event JSONL file.", valueName: "thread|file"))
  var source: String

  @Option(name: .customLong("at"), help: "Fold only the first N events.")
  var count: Int?

  @Flag(help: "Print the state as JSON.")
  var json = false

  func validate() throws {
    if let count, count < 0 { throw ValidationError("--at must not be negative") }
  }

  func run() throws {
    let reducer = try store.reducer()
    let threads: [(thread: String, events: [Event])]
    if source == "-" || FileManager.default.fileExists(atPath: source) {
      threads = try Self.readThreads(file: source)
    } else {
      let path = store.databaseName
      guard store.storeExists else {
        throw CLIError("\(source) is neither a file nor a thread: no event store at \(path)")
      }
      let eventStore = try store.openEventStore(creating: false)
      guard try eventStore.containsThread(source) else {
        throw CLIError(
          "no thread \"\(source)\" in \(store.databaseName), and no file at that path")
      }
      threads = [(source, try eventStore.events(in: source))]
    }
    var states: [(thread: String, folded: Int, total: Int, state: ThreadState)] = []
    for (thread, events) in threads {
      let folded = count ?? events.count
      guard folded <= events.count else {
        throw CLIError(
          "cannot replay thread \"\(thread)\" at \(folded): it has \(events.count) events")
      }
      states.append((thread, folded, events.count, reducer.fold(events, upTo: folded)))
    }
    let output = CLIContext.current.stdout
    if json {
      let data: Data
      if states.count == 1, let only = states.first {
        data = try Self.snakeCaseEncoder(stateDepth: 1).encode(only.state)
      } else {
        data = try Self.snakeCaseEncoder(stateDepth: 2).encode(
          Dictionary(uniqueKeysWithValues: states.map { ($0.thread, $0.state) }))
      }
      output.line(String(decoding: data, as: UTF8.self))
      return
    }
    for (index, entry) in states.enumerated() {
      if index > 0 { output.line() }
      for line in Self.describe(
        entry.state, thread: entry.thread, folded: entry.folded,
        total: entry.total)
      {
        output.line(line)
      }
    }
  }

  /// The state as readable lines.
  static func describe(_ state: ThreadState, thread: String, folded: Int, total: Int)
    -> [String]
  {
    var lines = [
      folded == total
        ? "thread \(thread): \(total) events"
        : "thread \(thread): first \(folded) of \(total) events",
      "  status      \(state.status.rawValue)",
      "  steps       \(state.steps)",
      "  errors      \(state.consecutiveErrors) consecutive",
    ]
    if let pending = state.pending {
      lines.append(
        "  pending     \(pending.intent) (\(pending.kind.rawValue), seq \(pending.seq)) "
          + pending.parameters.canonicalString.truncated(to: 80))
    }
    if !state.intentCounts.isEmpty {
      let counts = state.intentCounts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
      lines.append("  intents     " + counts.joined(separator: ", "))
    }
    if let feedback = state.feedback {
      lines.append("  feedback    \(feedback)")
    }
    if state.violations.isEmpty {
      lines.append("  integrity   ok")
    } else {
      let noun = state.violations.count == 1 ? "violation" : "violations"
      lines.append("  integrity   \(state.violations.count) \(noun)")
      for violation in state.violations { lines.append("    \(violation)") }
    }
    return lines
  }

  /// An encoder writing the state's own fields in snake_case, as results.json does.
  ///
  /// Only keys at `stateDepth` (the fields of ``ThreadState``) are converted; thread ids,
  /// intent names and parameters keep their spelling.
  static func snakeCaseEncoder(stateDepth: Int) -> JSONEncoder {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    encoder.keyEncodingStrategy = .custom { path in
      let key = path[path.count - 1]
      guard path.count == stateDepth else { return key }
      var snake = ""
      for character in key.stringValue {
        if character.isUppercase {
          snake += "_" + character.lowercased()
        } else {
          snake.append(character)
        }
      }
      return SnakeCaseKey(stringValue: snake)
    }
    return encoder
  }

  /// A coding key spelled out in snake_case.
  private struct SnakeCaseKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
  }

  /// The threads of a JSONL file in order of first appearance; a missing `seq` continues
  /// from the previous event of its thread.
  static func readThreads(file: String) throws -> [(thread: String, events: [Event])] {
    var order: [String] = []
    var threads: [String: [Event]] = [:]
    var problems: [StoreError.LineProblem] = []
    try JSONLReader(path: file).forEachLine { number, bytes in
      do {
        let line = try EventLine.parse(bytes: bytes)
        if threads[line.thread] == nil { order.append(line.thread) }
        let next = (threads[line.thread]?.last?.seq).map { $0 + 1 } ?? 0
        threads[line.thread, default: []].append(line.event(seq: next))
      } catch let error as EventLine.Invalid {
        if problems.count < 20 {
          problems.append(.init(file: file, line: number, reason: error.reason))
        }
      }
    }
    if !problems.isEmpty { throw StoreError.invalidLines(problems) }
    if order.isEmpty { throw CLIError("\(file) holds no events") }
    return order.map { ($0, threads[$0] ?? []) }
  }
}
