import RefoldCore
import Synchronization

/// What one pass over a suite's fixtures finds besides the threads it hands on: validation
/// (``SuiteValidator/Session``), the threads `--thread` selects, the threads carrying human
/// labels for the judge's calibration, and how many threads there were.
///
/// The pass sees each thread on the thread that reads the fixtures; what it found is read
/// once the pass has ended.
final class FixturePass: Sendable {
  /// What the pass found.
  struct Found: Sendable {
    /// What validation found (nil when the pass did not validate).
    var validation: SuiteValidation?
    /// Threads read.
    var loaded = 0
    /// Threads `--thread` selected.
    var selected = 0
    /// The threads whose expectations carry human labels (when the pass keeps them).
    var labelled: [[Event]] = []
    /// For each `--thread` pattern, whether it matched a thread.
    var matched: [Bool] = []
    /// The first thread ids, for messages.
    var sample: [String] = []

    /// - Throws: the ``ProbeError`` of the first `--thread` pattern that matched no thread.
    func checkFilter(_ filter: ThreadFilter, suite: String) throws(ProbeError) {
      for (pattern, found) in zip(filter.patterns, matched) where !found {
        throw ProbeError(
          "--thread \(pattern) matches no thread of suite \(suite) (it has \(loaded), such as "
            + "\(sample.joined(separator: ", ")))")
      }
    }
  }

  private struct State: Sendable {
    var session: SuiteValidator.Session?
    var found = Found()
  }

  private let suite: Suite
  private let filter: ThreadFilter
  private let keepsLabels: Bool
  private let state: Mutex<State>

  init(suite: Suite, filter: ThreadFilter, validates: Bool, keepsLabels: Bool) {
    self.suite = suite
    self.filter = filter
    self.keepsLabels = keepsLabels
    var initial = State()
    if validates { initial.session = SuiteValidator.Session(suite: suite) }
    initial.found.matched = Array(repeating: false, count: filter.patterns.count)
    state = Mutex(initial)
  }

  /// Sees one thread; returns whether it is to be evaluated: `--thread` selects it and
  /// validation has found no error yet (a suite with errors is read to its end, so that every
  /// problem is reported, but no more decisions are asked).
  @discardableResult
  func see(_ thread: FixtureStream.Thread) -> Bool {
    let id = thread.id
    let labelled =
      keepsLabels && JudgeCalibration.labelledExpectation(thread.events, suite: suite) != nil
    return state.withLock { state in
      state.session?.add(thread.events, lines: thread.lines)
      state.found.loaded += 1
      if state.found.sample.count < 3 { state.found.sample.append(id) }
      var selected = filter.keepsAll
      for (index, pattern) in filter.patterns.enumerated()
      where ThreadFilter.glob(pattern, matches: id) {
        state.found.matched[index] = true
        selected = true
      }
      guard selected else { return false }
      state.found.selected += 1
      if labelled { state.found.labelled.append(thread.events) }
      return state.session?.hasErrors != true
    }
  }

  /// What the pass found, validation finished.
  var found: Found {
    state.withLock { state in
      var found = state.found
      found.validation = state.session?.finish()
      return found
    }
  }
}
