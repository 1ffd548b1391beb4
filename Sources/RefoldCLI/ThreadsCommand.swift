import ArgumentParser
import RefoldCore
import RefoldStore

/// `refold threads`: every thread with its folded status, steps and last event.
struct ThreadsCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "threads",
    abstract: "List threads with status, steps and last event.")

  @OptionGroup var store: StoreOptions

  func run() throws {
    let output = CLIContext.current.stdout
    var table = TextTable(["THREAD", "STATUS", "STEPS", "EVENTS", "LAST EVENT", "LAST AT"])
    var count = 0
    // One pass over the store; only the table's text is kept, to align its columns.
    try store.openEventStore(creating: false).forEachThreadSummary { summary in
      count += 1
      let status =
        summary.state.isSound
        ? summary.state.status.rawValue
        : "\(summary.state.status.rawValue) (\(summary.state.violations.count) violations)"
      table.append([
        summary.thread, status, String(summary.state.steps), String(summary.eventCount),
        summary.lastType ?? "-", summary.lastAt ?? "-",
      ])
    }
    if count == 0 {
      output.line("no threads in \(store.databaseName)")
      return
    }
    for line in table.lines { output.line(line) }
  }
}
