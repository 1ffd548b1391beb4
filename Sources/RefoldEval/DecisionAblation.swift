import RefoldCore

/// Finds the events a decision depends on: it removes events before the decision point,
/// asks again, and sees whether the decision flips (another intent or other parameters).
///
/// First the decision as the thread stands and with every prior event removed; then each
/// event removed alone; then, when no single event flips it but removing them all does,
/// delta debugging (Zeller's ddmin) over the events for a smallest set whose removal flips
/// it, 1-minimal: putting back any one of its events keeps the decision. Every distinct
/// question is asked once (answers are reused) and at most ``budget`` are asked; a search
/// cut short by the budget says so and keeps what it found.
///
/// ```swift
/// let report = try await DecisionAblation(probe: probe, budget: 64).run(decider)
/// print(report.minimal ?? [], report.calls)
/// ```
public struct DecisionAblation: Sendable {
  /// How an event is taken out of the thread.
  public enum Removal: String, Sendable, Hashable, CaseIterable {
    /// The event is left out.
    case drop
    /// The event stays, its data replaced by `{}` (its type and place still count).
    case blank
  }

  public var probe: DecisionProbe
  /// The most questions asked, the first (the thread as it stands) included.
  public var budget: Int
  public var removal: Removal
  /// Whether failing to answer a thread with events removed counts as an answer.
  ///
  /// An agent that crashes on a thread without its trigger decided differently; for a model
  /// behind a cassette it does not: a miss means the cassette does not hold the search, and
  /// ends it.
  public var failureIsAnswer: Bool

  public init(
    probe: DecisionProbe, budget: Int = 64, removal: Removal = .drop,
    failureIsAnswer: Bool = false
  ) {
    self.probe = probe
    self.budget = budget
    self.removal = removal
    self.failureIsAnswer = failureIsAnswer
  }

  /// Runs the search with `decider` (one session for all questions).
  ///
  /// - Throws: what the decider throws (the model source or the agent failed), and
  ///   ``ProbeError`` when the budget does not cover the first two questions.
  public func run(_ decider: any Decider) async throws -> AblationReport {
    guard budget >= 2 else {
      throw ProbeError("--budget \(budget) is too small: a why needs at least 2 model calls")
    }
    var search = Search(
      probe: probe, decider: decider.session(), budget: budget, removal: removal,
      failureIsAnswer: failureIsAnswer)
    let baseline = try await search.answer(removing: [])
    let candidates = probe.context.map(\.seq)
    var report = AblationReport(
      baseline: baseline, candidates: candidates, singles: [:], minimal: nil,
      isOneMinimal: false, allRemovedFlips: false, calls: 0, budget: budget,
      budgetSpent: false)
    var partial: [Int]?
    do {
      report.allRemovedFlips = try await search.flips(Set(candidates))
      for seq in candidates {
        let flips = try await search.flips([seq])
        report.singles[seq] = AblationReport.Single(
          flips: flips, answer: search.answers[[seq]] ?? baseline)
      }
      if let first = candidates.first(where: { report.singles[$0]?.flips == true }) {
        report.minimal = [first]
        report.isOneMinimal = true
      } else if report.allRemovedFlips {
        report.minimal = try await ddmin(candidates, search: &search, found: &partial)
        report.isOneMinimal = true
      }
    } catch is BudgetSpent {
      report.budgetSpent = true
      report.minimal = report.minimal ?? partial
    }
    report.calls = search.calls
    if let minimal = report.minimal {
      report.minimalAnswer = search.answers[Set(minimal)]
    }
    return report
  }

  /// ddmin for "removing these flips the decision", starting from `events`, whose removal
  /// flips it; `found` holds the smallest flipping set so far, for a search cut short.
  private func ddmin(_ events: [Int], search: inout Search, found: inout [Int]?) async throws
    -> [Int]
  {
    var current = events
    found = current
    var granularity = 2
    while current.count >= 2 {
      let parts = Self.split(current, into: granularity)
      var reduced = false
      for part in parts {
        if try await search.flips(Set(part)) {
          current = part
          granularity = 2
          reduced = true
          break
        }
      }
      if !reduced && granularity > 2 {
        for part in parts {
          let complement = current.filter { !part.contains($0) }
          if try await search.flips(Set(complement)) {
            current = complement
            granularity = max(granularity - 1, 2)
            reduced = true
            break
          }
        }
      }
      if reduced {
        found = current
        continue
      }
      if granularity >= current.count { break }
      granularity = min(current.count, granularity * 2)
    }
    return current
  }

  /// `events` in `count` contiguous parts of near-equal size.
  static func split(_ events: [Int], into count: Int) -> [[Int]] {
    var parts: [[Int]] = []
    var start = 0
    for index in 0..<count {
      let end = start + (events.count - start) / (count - index)
      if end > start { parts.append(Array(events[start..<end])) }
      start = end
    }
    return parts
  }

  /// The budget ran out before the question could be asked.
  struct BudgetSpent: Error {}

  /// The questions asked so far and their answers.
  struct Search {
    var probe: DecisionProbe
    var decider: any Decider
    var budget: Int
    var removal: Removal
    var failureIsAnswer: Bool
    var answers: [Set<Int>: ProbeAnswer] = [:]
    var calls = 0

    /// The answer with the events at `seqs` removed (asked once).
    mutating func answer(removing seqs: Set<Int>) async throws -> ProbeAnswer {
      if let known = answers[seqs] { return known }
      guard calls < budget else { throw BudgetSpent() }
      calls += 1
      let events: [Event]
      switch removal {
      case .drop:
        events = probe.context.filter { !seqs.contains($0.seq) }
      case .blank:
        events = probe.context.map { event in
          var blanked = event
          if seqs.contains(event.seq) { blanked.data = .emptyObject }
          return blanked
        }
      }
      let answer: ProbeAnswer
      do {
        answer = try await probe.ask(decider, context: events)
      } catch  where failureIsAnswer && !seqs.isEmpty {
        let failed = Decision(outcome: .failure("no answer: \(error)"))
        answer = ProbeAnswer(
          decision: failed,
          scored: StepReplay(reducer: probe.reducer, decider: decider).score(
            failed, at: probe.point, in: probe.golden, override: probe.expectation))
      }
      answers[seqs] = answer
      return answer
    }

    /// Whether removing the events at `seqs` changes the decision.
    mutating func flips(_ seqs: Set<Int>) async throws -> Bool {
      guard let baseline = answers[[]] else { return false }
      return try await answer(removing: seqs).label != baseline.label
    }
  }
}
