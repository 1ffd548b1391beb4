import Foundation
import RefoldCore
import RefoldModels

extension Expectations {
  /// Parses expectations from YAML text (an `expectations.yaml`).
  ///
  /// - Throws: ``SuiteError/invalid(file:line:path:message:)`` naming the file, line and
  ///   path of the first wrong value.
  public static func parse(_ text: String, file: String) throws(SuiteError) -> Expectations {
    try SuiteError.checking { () throws(YAMLProblem) in
      guard let root = try YAMLNode.parse(text, file: file) else { return .none }
      return try parse(root)
    }
  }

  /// Parses expectations from a document node: a list of entries, or a mapping with an
  /// `expectations` list.
  ///
  /// - Throws: ``YAMLProblem`` at the first wrong value.
  public static func parse(_ node: YAMLNode) throws(YAMLProblem) -> Expectations {
    var list = node
    if node.entries != nil {
      try node.rejectUnknown(allowed: ["expectations"])
      guard let inner = try node.member("expectations") else { return .none }
      list = inner
    }
    if list.isNull { return .none }
    var entries: [ThreadExpectation] = []
    var references: [ExpectationReference] = []
    for element in try list.sequence() {
      entries.append(try parseEntry(element, references: &references))
    }
    return Expectations(entries: entries, references: references)
  }

  private static func parseEntry(
    _ node: YAMLNode, references: inout [ExpectationReference]
  ) throws(YAMLProblem) -> ThreadExpectation {
    try node.rejectUnknown(allowed: [
      "thread", "steps", "faults", "behaviour", "behavior", "intents",
    ])
    guard let thread = try node.member("thread") else {
      throw node.problem("missing key \"thread\" (a thread id or a pattern with *)")
    }
    var entry = ThreadExpectation(thread: try thread.text())
    func refer(_ subject: ExpectationReference.Subject, at location: YAMLLocation) {
      references.append(
        ExpectationReference(thread: entry.thread, subject: subject, location: location))
    }
    refer(.thread, at: thread.location)
    if let steps = try node.member("steps") {
      for step in try steps.sequence() {
        let parsed = try parseStep(step)
        entry.steps.append(parsed)
        for parameter in try step.member("parameters")?.mapping() ?? [] {
          guard let matcher = parsed.parameters[parameter.key], matcher.isJudged else { continue }
          refer(.judged(matcher.name), at: parameter.value.location)
        }
        let index = try step.member("step")
        let seq = try step.member("seq")
        refer(.step(parsed.selector), at: (index ?? seq)?.location ?? step.location)
        if let accept = try step.member("accept") {
          let items: [YAMLNode]
          if case .sequence(let list) = accept.content { items = list } else { items = [accept] }
          for item in items { refer(.intent(try item.text()), at: item.location) }
        }
      }
    }
    if let faults = try node.member("faults") {
      for fault in try faults.sequence() {
        let parsed = try parseFault(fault)
        entry.faults.append(parsed)
        refer(.intent(parsed.intent), at: try fault.member("intent")?.location ?? fault.location)
      }
    }
    if let intents = try node.member("intents") {
      for intent in try intents.mapping() {
        refer(.intent(intent.key), at: intent.keyLocation)
        for parameter in try intent.value.mapping() {
          if case .mapping = parameter.value.content,
            let human = try parameter.value.member("human")
          {
            throw human.problem(
              "a human label is about one golden value: put it in a steps: entry (step: or seq:)")
          }
          let matcher = try parseMatcher(parameter.value)
          entry.intents[intent.key, default: [:]][parameter.key] = matcher
          if matcher.isJudged { refer(.judged(matcher.name), at: parameter.value.location) }
        }
      }
    }
    let british = try node.member("behaviour")
    let american = try node.member("behavior")
    if let behaviour = british ?? american {
      entry.behaviour = try parseBehaviour(behaviour)
      if let ending = entry.behaviour.endsWith, let node = try behaviour.member("ends_with") {
        refer(.ending(ending), at: node.location)
      }
    }
    return entry
  }

  private static func parseStep(_ node: YAMLNode) throws(YAMLProblem) -> StepExpectation {
    try node.rejectUnknown(allowed: ["step", "seq", "parameters", "accept", "ignore"])
    let selector: StepExpectation.Selector
    switch (try node.member("step"), try node.member("seq")) {
    case (let step?, nil): selector = .step(try step.int(atLeast: 0))
    case (nil, let seq?): selector = .seq(try seq.int(atLeast: 0))
    case (.some, .some): throw node.problem("give either \"step\" or \"seq\", not both")
    case (nil, nil): throw node.problem("missing key \"step\" (decision index) or \"seq\"")
    }
    var step = StepExpectation(selector: selector)
    if let ignore = try node.member("ignore") { step.ignore = try ignore.bool() }
    if let accept = try node.member("accept") { step.acceptedIntents = try accept.strings() }
    if let parameters = try node.member("parameters") {
      for parameter in try parameters.mapping() {
        step.parameters[parameter.key] = try parseMatcher(parameter.value)
        if case .mapping = parameter.value.content, let human = try parameter.value.member("human")
        {
          switch try human.string() {
          case "pass": step.humanLabels[parameter.key] = true
          case "fail": step.humanLabels[parameter.key] = false
          default: throw human.problem("expected pass or fail")
          }
        }
      }
    }
    return step
  }

  /// Parses one matcher: `any`, `exact`, `subset`, or a mapping with one matcher key.
  public static func parseMatcher(_ node: YAMLNode) throws(YAMLProblem) -> ParameterMatcher {
    let names = ["exact", "any", "regex", "one_of", "tolerance", "subset", "judge", "similar"]
    if case .scalar(.string(let name)) = node.content {
      switch name {
      case "any": return .any
      case "exact": return .exactGolden
      case "subset": return .subsetOfGolden
      default:
        throw node.problem(
          "expected a matcher (any, exact, subset, or a mapping with one of "
            + "\(names.joined(separator: ", ")))")
      }
    }
    let entries = try node.mapping().filter {
      $0.key != "value" && $0.key != "min" && $0.key != "human"
    }
    guard entries.count == 1, let matcher = entries.first else {
      throw node.problem("expected exactly one of \(names.joined(separator: ", "))")
    }
    let argument = matcher.value
    if matcher.key != "judge", let human = try node.member("human") {
      throw human.problem("human labels belong to the judge matcher, not \(matcher.key)")
    }
    if matcher.key != "similar", let minimum = try node.member("min") {
      throw minimum.problem("min belongs to the similar matcher, not \(matcher.key)")
    }
    switch matcher.key {
    case "any":
      return .any
    case "exact":
      return argument.json.boolValue == true ? .exactGolden : .exact(argument.json)
    case "regex":
      let pattern = try argument.string()
      guard ParameterMatcher.isValidPattern(pattern) else {
        throw argument.problem("not a valid regular expression")
      }
      return .regex(pattern)
    case "one_of":
      return .oneOf(try argument.sequence().map(\.json))
    case "tolerance":
      let tolerance = try argument.number()
      guard tolerance >= 0 else { throw argument.problem("must not be negative") }
      let target = try node.member("value").map { (value) throws(YAMLProblem) in
        try value.number()
      }
      return .tolerance(tolerance, value: target)
    case "subset":
      return argument.json.boolValue == true ? .subsetOfGolden : .subset(argument.json)
    case "judge":
      let rubric = try argument.string()
      guard !rubric.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
        throw argument.problem("expected a rubric: what a good value says")
      }
      return .judge(rubric)
    case "similar":
      let reference = try argument.string()
      guard !reference.isEmpty else { throw argument.problem("expected the reference text") }
      let minimum =
        try node.member("min").map { (value) throws(YAMLProblem) in try value.number(in: -1...1) }
        ?? ParameterMatcher.defaultMinimumSimilarity
      return .similar(reference, minimum: minimum)
    default:
      throw YAMLProblem(
        at: matcher.keyLocation,
        "unknown matcher; expected one of \(names.joined(separator: ", "))")
    }
  }

  private static func parseFault(_ node: YAMLNode) throws(YAMLProblem) -> ToolFault {
    try node.rejectUnknown(allowed: ["intent", "fails", "message", "parameters"])
    guard let intent = try node.member("intent") else {
      throw node.problem("missing key \"intent\"")
    }
    let fails = try node.member("fails").map { (value) throws(YAMLProblem) in
      try value.int(atLeast: 1)
    }
    let message = try node.member("message").map { (value) throws(YAMLProblem) in
      try value.text()
    }
    var parameters: JSONValue?
    if let given = try node.member("parameters") {
      _ = try given.mapping()
      parameters = given.json
    }
    return ToolFault(
      intent: try intent.text(), fails: fails ?? 1, message: message ?? "simulated failure",
      parameters: parameters)
  }

  private static func parseBehaviour(_ node: YAMLNode) throws(YAMLProblem)
    -> BehaviourExpectation
  {
    try node.rejectUnknown(allowed: ["retries_at_most", "escalates", "ends_with", "max_steps"])
    var behaviour = BehaviourExpectation()
    if let value = try node.member("retries_at_most") {
      behaviour.retriesAtMost = try value.int(atLeast: 0)
    }
    if let value = try node.member("escalates") { behaviour.escalates = try value.bool() }
    if let value = try node.member("ends_with") { behaviour.endsWith = try value.text() }
    if let value = try node.member("max_steps") { behaviour.maxSteps = try value.int(atLeast: 1) }
    return behaviour
  }
}
