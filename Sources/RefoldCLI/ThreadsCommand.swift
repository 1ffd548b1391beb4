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
    let summaries = try store.openEventStore(creating: false).threads()
    if summaries.isEmpty {
      output.line("no threads in \(store.databasePath)")
      return
    }
    var table = TextTable(["THREAD", "STATUS", "STEPS", "EVENTS", "LAST EVENT", "LAST AT"])
    for summary in summaries {
      let status =
        summary.state.isSound
        ? summary.state.status.rawValue
        : "\(summary.state.status.rawValue) (\(summary.state.violations.count) violations)"
      table.append([
        summary.thread, status, String(summary.state.steps), String(summary.eventCount),
        summary.lastType ?? "-", summary.lastAt ?? "-",
      ])
    }
    for line in table.lines { output.line(line) }
  }
}
