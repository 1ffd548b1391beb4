import ArgumentParser
import RefoldCore
import RefoldStore

/// `refold fork THREAD --at N --as NEW`: copy a thread's first N events into a new thread.
struct ForkCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "fork",
    abstract: "Copy the first N events of a thread into a new thread.")

  @OptionGroup var store: StoreOptions

  @Argument(help: ArgumentHelp("The thread to fork.", valueName: "thread"))
  var thread: String

  @Option(name: .customLong("at"), help: "How many events to copy.")
  var count: Int

  @Option(name: .customLong("as"), help: "The new thread's id.")
  var newThread: String

  func validate() throws {
    if count < 0 { throw ValidationError("--at must not be negative") }
    if newThread.isEmpty { throw ValidationError("--as must name a thread") }
  }

  func run() throws {
    let eventStore = try store.openEventStore(creating: false)
    let events = try eventStore.fork(thread, at: count, as: newThread)
    let state = eventStore.reducer.fold(events)
    CLIContext.current.stdout.line(
      "forked \(thread) at \(count) as \(newThread): \(events.count) events, "
        + "status \(state.status.rawValue)")
  }
}
