import Foundation
import RefoldEval
import Synchronization

/// A one-line progress display (done / total, rate, ETA), drawn only on a terminal.
final class ProgressLine: EvaluationProgress {
  private struct State {
    var label = ""
    var total = 0
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

  var needsTotal: Bool { enabled }

  func start(label: String, total: Int) {
    let started = now()
    state.withLock { $0 = State(label: label, total: total, done: 0, started: started) }
  }

  func advance() {
    guard enabled else { return }
    let now = now()
    let line: String? = state.withLock { state in
      state.done += 1
      guard now.timeIntervalSince(state.lastDrawn) > 0.1 || state.done == state.total else {
        return nil
      }
      state.lastDrawn = now
      let elapsed = max(now.timeIntervalSince(state.started), 0.001)
      let rate = Double(state.done) / elapsed
      let remaining = rate > 0 ? Double(max(0, state.total - state.done)) / rate : 0
      return String(
        format: "\r%@: %d/%d cases, %.1f/s, ETA %.0fs   ", state.label, state.done, state.total,
        rate, remaining)
    }
    if let line { output.write(line) }
  }

  func finish() {
    guard enabled else { return }
    output.write("\r\u{1B}[2K")
  }
}
