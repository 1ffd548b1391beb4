import RefoldCore
import RefoldModels

/// Checks a loaded suite against its spec and its fixtures before anything runs.
///
/// - Every intent an expectation names (`accept`, `intents`, `faults`) is one of the agent's
///   intents; `ends_with` is an intent or a final status (`done`, `escalated`, …).
/// - Every `thread:` names a thread of the fixtures (a pattern with `*` matches at least one),
///   and every `step:` / `seq:` is a decision of each thread the entry matches.
/// - In the golden threads of an agent with declared intents, an event that reads as a
///   decision must be an intent: a type `T` the default rules infer as a decision (a `T` with
///   a `T_result` in the thread, a `request_…` type, `done_for_now`) that the agent does not
///   declare, or any type within two edits of an intent, is an error. Other types the
///   vocabulary does not know (not an intent, alias, input, error or result type) are
///   warnings, errors when the suite sets `strict: true`.
///
/// - The judge's prompt template (`judge: {prompt: …}`) parses, and names only its variables.
///
/// An external agent's `intents:` map is partial (the default vocabulary decides the rest),
/// so its intents are the map's, every decision the default rules find in the fixtures, and
/// the default human and terminal intents; its golden events are checked for near-misses of
/// those and for unknown types only. Without declared intents golden events are not checked.
public enum SuiteValidator {
  /// Validates `suite` against `threads`, its golden threads as ``FixtureLoader`` read them
  /// (with the file and line of every event).
  public static func validate(
    _ suite: Suite, threads: [[Event]], lines: [[(file: String, line: Int)]]
  ) -> SuiteValidation {
    var session = Session(suite: suite)
    for (index, events) in threads.enumerated() {
      session.add(events, lines: index < lines.count ? lines[index] : [])
    }
    return session.finish()
  }

  /// Validation of a suite whose golden threads stream past one at a time
  /// (``FixtureStream``): each thread is checked as it is added and not kept, then
  /// ``finish()`` checks what needs every thread (the threads expectations name, intents an
  /// external agent's fixtures decide) and returns what ``validate(_:threads:lines:)`` returns
  /// for the same threads, in the same order.
  public struct Session: Sendable {
    /// A problem of a golden event, resolved when it is found or, for an agent whose intents
    /// the fixtures decide, once every thread has been read.
    private enum EventProblem: Sendable {
      case found(SuiteError, strict: Bool)
      /// A result of `intent`, an error only when no thread decides that intent.
      case result(location: SuiteError, type: String, intent: String)
      /// A type of no class: a near miss of an intent, else unknown.
      case other(location: SuiteError, type: String, canonical: String)
    }

    let suite: Suite
    private let declared: Set<String>
    /// The declared intents in order, for suggestions.
    private let sortedDeclared: [String]
    private let infers: Bool
    private var intents: Set<String>
    private let reducer: ThreadReducer
    /// The references, in the order they are written.
    private let references: [ExpectationReference]
    /// For each exact thread name a `step:` reference names, those references' indexes.
    private var stepsByName: [String: [Int]] = [:]
    /// The `step:` references naming threads by pattern, with their patterns.
    private var stepPatterns: [(index: Int, pattern: ThreadPattern)] = []
    /// The first problem found for each `step:` reference, by reference index.
    private var stepProblems: [Int: String] = [:]
    private var threadIDs: [String] = []
    private var eventProblems: [EventProblem] = []
    /// Whether an error is already certain (the evaluation need not go on).
    public private(set) var hasErrors = false

    public init(suite: Suite) {
      self.suite = suite
      var declared = Set(suite.agent.intents.map(\.name))
      for spec in suite.variants.map(\.spec) { declared.formUnion(spec.intents.map(\.name)) }
      self.declared = declared
      sortedDeclared = declared.sorted()
      reducer = suite.agent.reducer
      // An external agent's `intents:` map is partial by design: the default vocabulary
      // decides the rest, so what it finds in the fixtures are intents too.
      infers = declared.isEmpty || suite.externalAgent != nil
      var intents = declared
      if infers { intents.formUnion(Vocabulary.defaultHumanIntents.union(["done_for_now"])) }
      self.intents = intents
      // In the order they are written (an entry's `intents` come before its `steps` in the
      // file but after them in parsing).
      references = suite.expectations.references.enumerated().sorted {
        ($0.element.location.line ?? 0, $0.offset) < ($1.element.location.line ?? 0, $1.offset)
      }.map(\.element)
      for (index, reference) in references.enumerated() {
        guard case .step = reference.subject else { continue }
        let pattern = ThreadPattern(reference.thread)
        if pattern.isExact {
          stepsByName[reference.thread, default: []].append(index)
        } else {
          stepPatterns.append((index, pattern))
        }
      }
    }

    /// Checks one golden thread (its events and the file and line of each).
    public mutating func add(_ events: [Event], lines: [(file: String, line: Int)]) {
      let id = events.first?.thread ?? ""
      threadIDs.append(id)
      // A golden thread is built when a check needs one and not kept.
      var golden: GoldenThread?
      func built() -> GoldenThread {
        if let golden { return golden }
        let made = GoldenThread(events: events, reducer: reducer)
        golden = made
        return made
      }
      if infers { intents.formUnion(built().decisions.map(\.intent.name)) }
      let named =
        (stepsByName[id] ?? []) + stepPatterns.filter { $0.pattern.matches(id) }.map(\.index)
      for index in named where stepProblems[index] == nil {
        guard case .step(let selector) = references[index].subject,
          let message = SuiteValidator.stepProblem(selector, in: built())
        else { continue }
        stepProblems[index] = message
        hasErrors = true
      }
      checkEvents(events, lines: lines)
    }

    /// Every problem found, in the order ``validate(_:threads:lines:)`` gives them.
    public func finish() -> SuiteValidation {
      var validation = SuiteValidation()
      let statuses = ThreadState.Status.allCases.map(\.rawValue)
      func problem(_ location: YAMLLocation, _ message: String) -> SuiteError {
        .invalid(file: location.file, line: location.line, path: location.path, message: message)
      }
      func hint(_ name: String, among candidates: some Sequence<String>) -> String {
        YAMLNode.suggestion(for: name, among: candidates).map { " (did you mean \($0)?)" } ?? ""
      }
      let known = Set(threadIDs)
      for (index, reference) in references.enumerated() {
        switch reference.subject {
        case .thread:
          let pattern = ThreadPattern(reference.thread)
          let matched =
            pattern.isExact
            ? known.contains(reference.thread) : threadIDs.contains { pattern.matches($0) }
          guard !matched else { continue }
          let what =
            reference.thread.contains("*")
            ? "the pattern \"\(reference.thread)\" matches no thread of the fixtures"
            : "no thread \"\(reference.thread)\" in the fixtures"
          validation.errors.append(
            problem(reference.location, what + hint(reference.thread, among: threadIDs)))
        case .step:
          if let message = stepProblems[index] {
            validation.errors.append(problem(reference.location, message))
          }
        case .intent(let name):
          guard !intents.contains(name) else { continue }
          validation.errors.append(
            problem(
              reference.location,
              "\"\(name)\" is not an intent of the agent\(hint(name, among: intents.sorted()))"))
        case .judged(let matcher):
          if matcher == "judge", suite.judge == nil {
            validation.errors.append(
              problem(
                reference.location,
                "the judge matcher needs a judge model: add judge: {provider, model, base_url} to the suite"
              ))
          } else if matcher == "similar", suite.embeddings == nil {
            validation.errors.append(
              problem(
                reference.location,
                "the similar matcher needs an embeddings model: add embeddings: {provider, model, base_url} to the suite"
              ))
          }
        case .ending(let name):
          guard !intents.contains(name), !statuses.contains(name) else { continue }
          validation.errors.append(
            problem(
              reference.location,
              "\"\(name)\" is neither an intent of the agent nor a final status (\(statuses.joined(separator: ", ")))"
                + hint(name, among: intents.sorted() + statuses)))
        }
      }

      // The judge's own template, parsed and checked before anything runs.
      if let judge = suite.judge {
        do {
          _ = try judge.loadPrompt()
        } catch {
          validation.errors.append(
            .invalid(file: error.file, line: error.line, path: error.path, message: error.message))
        }
      }

      let sortedIntents = intents.sorted()
      for found in eventProblems {
        let resolved: (SuiteError, strict: Bool)?
        switch found {
        case .found(let error, let strict):
          resolved = (error, strict)
        case .result(let location, let type, let intent):
          resolved =
            intents.contains(intent)
            ? nil
            : (
              location.with(
                message:
                  "event type \"\(type)\" is unknown to the agent's vocabulary (a result of no intent)"
              ),
              suite.strict
            )
        case .other(let location, let type, let canonical):
          resolved = Self.otherProblem(
            location, type: type, canonical: canonical, intents: sortedIntents, strict: suite.strict
          )
        }
        guard let (error, strict) = resolved else { continue }
        if strict { validation.errors.append(error) } else { validation.warnings.append(error) }
      }
      return validation
    }

    /// The problem of a type of no class: a near miss of an intent (an error), else unknown.
    private static func otherProblem(
      _ location: SuiteError, type: String, canonical: String, intents: [String], strict: Bool
    ) -> (SuiteError, strict: Bool) {
      if let near = YAMLNode.suggestion(for: canonical, among: intents) {
        return (
          location.with(
            message: "event type \"\(type)\" is not an intent of the agent (did you mean \(near)?)"),
          true
        )
      }
      return (
        location.with(message: "event type \"\(type)\" is unknown to the agent's vocabulary"),
        strict
      )
    }

    /// Checks a thread's golden events against the agent's intents and vocabulary.
    private mutating func checkEvents(_ events: [Event], lines: [(file: String, line: Int)]) {
      guard !declared.isEmpty else { return }
      let vocabulary = reducer.vocabulary
      let classes = reducer.classify(events)
      for (position, event) in events.enumerated() where !event.isEscalation {
        // Where the event is, made only for a problem (most events have none).
        func at() -> SuiteError {
          let location: (file: String, line: Int)? =
            position < lines.count ? lines[position] : nil
          return SuiteError.invalid(
            file: location?.file ?? "", line: location?.line,
            path: "thread \(event.thread) seq \(event.seq)", message: "")
        }
        switch classes[position] {
        case .decision(let name, _):
          guard !infers, !declared.contains(name) else { continue }
          eventProblems.append(
            .found(
              at().with(
                message: "\"\(name)\" reads as a decision but is not an intent of the agent"
                  + (YAMLNode.suggestion(for: name, among: sortedDeclared).map {
                    " (did you mean \($0)?)"
                  } ?? "")), strict: true))
          hasErrors = true
        case .input, .error:
          continue
        case .result(let intent):
          guard let intent else { continue }
          if infers {
            eventProblems.append(.result(location: at(), type: event.type, intent: intent))
          } else if !intents.contains(intent) {
            eventProblems.append(
              .found(
                at().with(
                  message:
                    "event type \"\(event.type)\" is unknown to the agent's vocabulary (a result of no intent)"
                ),
                strict: suite.strict))
            if suite.strict { hasErrors = true }
          }
        case .other:
          let type = vocabulary.canonicalType(event.type)
          if infers {
            eventProblems.append(.other(location: at(), type: event.type, canonical: type))
          } else {
            let (error, strict) = Self.otherProblem(
              at(), type: event.type, canonical: type, intents: sortedDeclared, strict: suite.strict
            )
            eventProblems.append(.found(error, strict: strict))
            if strict { hasErrors = true }
          }
        }
      }
    }
  }

  /// Why `selector` names no decision of `golden`, or nil when it names one.
  static func stepProblem(_ selector: StepExpectation.Selector, in golden: GoldenThread)
    -> String?
  {
    let count = golden.decisions.count
    switch selector {
    case .step(let index):
      guard index >= count else { return nil }
      let range = count == 0 ? "no decisions" : "\(count) decisions (steps 0–\(count - 1))"
      return "step \(index) is out of range: thread \"\(golden.id)\" has \(range)"
    case .seq(let seq):
      let seqs = golden.decisions.map(\.seq)
      guard !seqs.contains(seq) else { return nil }
      let listed = seqs.isEmpty ? "none" : seqs.map(String.init).joined(separator: ", ")
      return
        "seq \(seq) is not a decision of thread \"\(golden.id)\" (its decisions are at seq \(listed))"
    }
  }
}

extension SuiteError {
  /// The same problem at the same place, with `message`.
  fileprivate func with(message: String) -> SuiteError {
    guard case .invalid(let file, let line, let path, _) = self else { return self }
    return .invalid(file: file, line: line, path: path, message: message)
  }
}
