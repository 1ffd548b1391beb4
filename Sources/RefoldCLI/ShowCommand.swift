import ArgumentParser
import RefoldCore
import RefoldShared
import RefoldStore

/// `refold show THREAD`: the timeline, one line per event, with the status after each.
struct ShowCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "show",
    abstract: "Show a thread's timeline, one line per event.")

  @OptionGroup var store: StoreOptions

  @Argument(help: ArgumentHelp("The thread id.", valueName: "thread"))
  var thread: String

  @Option(help: "Cut the data column to this many characters.")
  var width: Int = 72

  func validate() throws {
    if width < 8 { throw ValidationError("--width must be at least 8") }
  }

  func run() throws {
    let output = CLIContext.current.stdout
    let eventStore = try store.openEventStore(creating: false)
    guard try eventStore.containsThread(thread) else {
      throw EventStoreError.unknownThread(thread)
    }
    let events = try eventStore.events(in: thread)
    let reducer = eventStore.reducer
    let classes = reducer.vocabulary.classify(events)
    let states = reducer.states(events)
    var table = TextTable(["SEQ", "AT", "KIND", "TYPE", "DATA", "STATUS"])
    for (index, event) in events.enumerated() {
      table.append([
        String(event.seq), event.at ?? "-", Self.kindLabel(classes[index]), event.type,
        event.data.canonicalString.truncated(to: width), states[index].status.rawValue,
      ])
    }
    for line in table.lines { output.line(line) }
    if let last = states.last, !last.isSound {
      output.line()
      for violation in last.violations { output.line("violation: \(violation)") }
    }
  }

  /// `input`, `decision:approval`, `result`, `error`, `other`.
  static func kindLabel(_ eventClass: EventClass) -> String {
    if case .decision(_, let kind) = eventClass { return "decision:\(kind.rawValue)" }
    return eventClass.kind.rawValue
  }
}
