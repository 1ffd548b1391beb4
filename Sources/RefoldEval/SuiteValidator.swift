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
    var validation = SuiteValidation()
    let specs = suite.variants.map(\.spec)
    var declared = Set(suite.agent.intents.map(\.name))
    for spec in specs { declared.formUnion(spec.intents.map(\.name)) }
    let reducer = suite.agent.reducer
    // Golden threads are built when a check needs one and not kept: a suite of any size
    // validates in the memory of one thread beyond its events.
    func golden(_ index: Int) -> GoldenThread {
      GoldenThread(events: threads[index], reducer: reducer)
    }

    // An external agent's `intents:` map is partial by design: the default vocabulary
    // decides the rest, so what it finds in the fixtures are intents too.
    let infers = declared.isEmpty || suite.externalAgent != nil
    var intents = declared
    if infers {
      intents.formUnion(Vocabulary.defaultHumanIntents.union(["done_for_now"]))
      for index in threads.indices { intents.formUnion(golden(index).decisions.map(\.intent.name)) }
    }
    let statuses = ThreadState.Status.allCases.map(\.rawValue)
    let threadIDs = threads.map { $0.first?.thread ?? "" }

    func problem(_ location: YAMLLocation, _ message: String) -> SuiteError {
      .invalid(file: location.file, line: location.line, path: location.path, message: message)
    }
    func hint(_ name: String, among candidates: some Sequence<String>) -> String {
      YAMLNode.suggestion(for: name, among: candidates).map { " (did you mean \($0)?)" } ?? ""
    }

    // In the order they are written (an entry's `intents` come before its `steps` in the
    // file but after them in parsing).
    let references = suite.expectations.references.enumerated().sorted {
      ($0.element.location.line ?? 0, $0.offset) < ($1.element.location.line ?? 0, $1.offset)
    }.map(\.element)
    // The threads a reference names: exact names looked up, each pattern matched once.
    var byName: [String: [Int]] = [:]
    for (position, id) in threadIDs.enumerated() {
      byName[id, default: []].append(position)
    }
    var matchedByPattern: [String: [Int]] = [:]
    func matching(_ name: String) -> [Int] {
      let pattern = ThreadPattern(name)
      if pattern.isExact { return byName[name] ?? [] }
      if let known = matchedByPattern[name] { return known }
      let found = threadIDs.indices.filter { pattern.matches(threadIDs[$0]) }
      matchedByPattern[name] = found
      return found
    }
    for reference in references {
      switch reference.subject {
      case .thread:
        guard matching(reference.thread).isEmpty else { continue }
        let what =
          reference.thread.contains("*")
          ? "the pattern \"\(reference.thread)\" matches no thread of the fixtures"
          : "no thread \"\(reference.thread)\" in the fixtures"
        validation.errors.append(
          problem(reference.location, what + hint(reference.thread, among: threadIDs)))
      case .step(let selector):
        for index in matching(reference.thread) {
          if let message = stepProblem(selector, in: golden(index)) {
            validation.errors.append(problem(reference.location, message))
            break
          }
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

    guard !declared.isEmpty else { return validation }
    let vocabulary = reducer.vocabulary
    let sortedIntents = intents.sorted()
    for (index, events) in threads.enumerated() {
      let classes = vocabulary.classify(events)
      for (position, event) in events.enumerated() where !event.isEscalation {
        let type = vocabulary.canonicalType(event.type)
        let location: (file: String, line: Int)? =
          position < lines[index].count ? lines[index][position] : nil
        func report(_ message: String, strict: Bool) {
          let error = SuiteError.invalid(
            file: location?.file ?? "", line: location?.line,
            path: "thread \(event.thread) seq \(event.seq)", message: message)
          if strict { validation.errors.append(error) } else { validation.warnings.append(error) }
        }
        switch classes[position] {
        case .decision(let name, _):
          guard !infers, !declared.contains(name) else { continue }
          report(
            "\"\(name)\" reads as a decision but is not an intent of the agent"
              + hint(name, among: sortedIntents), strict: true)
        case .input, .error:
          continue
        case .result(let intent):
          guard let intent, !intents.contains(intent) else { continue }
          report(
            "event type \"\(event.type)\" is unknown to the agent's vocabulary (a result of no intent)",
            strict: suite.strict)
        case .other:
          if let near = YAMLNode.suggestion(for: type, among: sortedIntents) {
            report(
              "event type \"\(event.type)\" is not an intent of the agent (did you mean \(near)?)",
              strict: true)
          } else {
            report(
              "event type \"\(event.type)\" is unknown to the agent's vocabulary",
              strict: suite.strict)
          }
        }
      }
    }
    return validation
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
