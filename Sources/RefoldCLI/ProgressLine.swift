import Foundation
import RefoldEval
import Synchronization

/// A one-line progress display (cases scored, share of the fixtures read, rate, ETA), drawn
/// only on a terminal.
final class ProgressLine: EvaluationProgress {
  private struct State {
    var label = ""
    var total = 0
    var read = 0
    var done = 0
    var started = Date.distantPast
    var lastDrawn = Date.distantPast
  }

  private let enabled: Bool
  private let output: any CLIOutput
  private let now: @Sendable () -> Date
  private let state = Mutex(State())

  init(enabled: Bool, output: any CLIOutput, now: @escaping @Sendable () -> Date) {
    self.enabled = enabled
    self.output = output
    self.now = now
  }

  func start(label: String, fixtureBytes: Int) {
    let started = now()
    state.withLock { $0 = State(label: label, total: fixtureBytes, done: 0, started: started) }
  }

  func advance(bytesRead: Int) {
    guard enabled else { return }
    let now = now()
    let line: String? = state.withLock { state in
      state.done += 1
      state.read = max(state.read, bytesRead)
      guard now.timeIntervalSince(state.lastDrawn) > 0.1 else { return nil }
      state.lastDrawn = now
      return Self.line(state, now: now)
    }
    if let line { output.write(line) }
  }

  /// The line for `state`: cases scored, the share of the fixtures read, rate and ETA.
  private static func line(_ state: State, now: Date) -> String {
    let elapsed = max(now.timeIntervalSince(state.started), 0.001)
    let fraction = state.total > 0 ? min(1, Double(state.read) / Double(state.total)) : 0
    let remaining = fraction > 0 ? elapsed * (1 - fraction) / fraction : 0
    return String(
      format: "\r%@: %d cases, %.0f%% of the fixtures read, %.1f/s, ETA %.0fs   ",
      state.label, state.done, fraction * 100, Double(state.done) / elapsed, remaining)
  }

  func finish() {
    guard enabled else { return }
    // The last count, with every fixture read, then the line is cleared for the summary.
    let now = now()
    let last = state.withLock { state in
      state.read = state.total
      return Self.line(state, now: now)
    }
    output.write(last)
    output.write("\r\u{1B}[2K")
  }
}
