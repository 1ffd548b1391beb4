import RefoldCore

extension Expectations {
  /// Parses expectations from a document value: a list of entries, or a mapping with an
  /// `expectations` list.
  ///
  /// - Throws: ``SuiteError/invalid(file:line:path:message:)`` naming the path of the first
  ///   wrong value.
  public static func parse(_ value: JSONValue, reader: DocumentReader, path: String = "")
    throws(SuiteError) -> Expectations
  {
    var listPath = path
    var list = value
    if case .object(let members) = value {
      try reader.onlyKeys(members, ["expectations"], path)
      listPath = DocumentReader.join(path, "expectations")
      list = members["expectations"] ?? .array([])
    }
    if list.isNull { return .none }
    var entries: [ThreadExpectation] = []
    for (index, element) in try reader.array(list, listPath).enumerated() {
      entries.append(try parseEntry(element, reader, DocumentReader.join(listPath, index)))
    }
    return Expectations(entries: entries)
  }

  private static func parseEntry(_ value: JSONValue, _ reader: DocumentReader, _ path: String)
    throws(SuiteError) -> ThreadExpectation
  {
    let members = try reader.object(value, path)
    try reader.onlyKeys(members, ["thread", "steps", "faults", "behaviour", "behavior"], path)
    guard let threadValue = members["thread"] else {
      throw reader.error(path, "missing key \"thread\" (a thread id or a pattern with *)")
    }
    var entry = ThreadExpectation(
      thread: try reader.string(threadValue, DocumentReader.join(path, "thread")))
    if let steps = members["steps"] {
      let stepsPath = DocumentReader.join(path, "steps")
      for (index, step) in try reader.array(steps, stepsPath).enumerated() {
        entry.steps.append(try parseStep(step, reader, DocumentReader.join(stepsPath, index)))
      }
    }
    if let faults = members["faults"] {
      let faultsPath = DocumentReader.join(path, "faults")
      for (index, fault) in try reader.array(faults, faultsPath).enumerated() {
        entry.faults.append(try parseFault(fault, reader, DocumentReader.join(faultsPath, index)))
      }
    }
    let behaviourKey = members["behaviour"] != nil ? "behaviour" : "behavior"
    if let behaviour = members[behaviourKey] {
      entry.behaviour = try parseBehaviour(
        behaviour, reader, DocumentReader.join(path, behaviourKey))
    }
    return entry
  }

  private static func parseStep(_ value: JSONValue, _ reader: DocumentReader, _ path: String)
    throws(SuiteError) -> StepExpectation
  {
    let members = try reader.object(value, path)
    try reader.onlyKeys(members, ["step", "seq", "parameters", "accept", "ignore"], path)
    let selector: StepExpectation.Selector
    switch (members["step"], members["seq"]) {
    case (let step?, nil): selector = .step(try reader.int(step, DocumentReader.join(path, "step")))
    case (nil, let seq?): selector = .seq(try reader.int(seq, DocumentReader.join(path, "seq")))
    case (.some, .some): throw reader.error(path, "give either \"step\" or \"seq\", not both")
    case (nil, nil): throw reader.error(path, "missing key \"step\" (decision index) or \"seq\"")
    }
    var step = StepExpectation(selector: selector)
    if let ignore = members["ignore"] {
      step.ignore = try reader.bool(ignore, DocumentReader.join(path, "ignore"))
    }
    if let accept = members["accept"] {
      step.acceptedIntents = try reader.stringList(accept, DocumentReader.join(path, "accept"))
    }
    if let parameters = members["parameters"] {
      let parametersPath = DocumentReader.join(path, "parameters")
      for (key, matcher) in try reader.object(parameters, parametersPath) {
        step.parameters[key] = try parseMatcher(
          matcher, reader, DocumentReader.join(parametersPath, key))
      }
    }
    return step
  }

  /// Parses one matcher: `any`, `exact`, `subset`, or a mapping with one matcher key.
  public static func parseMatcher(_ value: JSONValue, _ reader: DocumentReader, _ path: String)
    throws(SuiteError) -> ParameterMatcher
  {
    let names = ["exact", "any", "regex", "one_of", "tolerance", "subset"]
    if case .string(let name) = value {
      switch name {
      case "any": return .any
      case "exact": return .exactGolden
      case "subset": return .subsetOfGolden
      default:
        throw reader.error(
          path,
          "expected a matcher (any, exact, subset, or a mapping with one of "
            + "\(names.joined(separator: ", ")))")
      }
    }
    let members = try reader.object(value, path)
    let keys = members.keys.filter { $0 != "value" }
    guard keys.count == 1, let name = keys.first, let argument = members[name] else {
      throw reader.error(path, "expected exactly one of \(names.joined(separator: ", "))")
    }
    let argumentPath = DocumentReader.join(path, name)
    switch name {
    case "any":
      return .any
    case "exact":
      return argument.boolValue == true ? .exactGolden : .exact(argument)
    case "regex":
      let pattern = try reader.string(argument, argumentPath)
      guard ParameterMatcher.isValidPattern(pattern) else {
        throw reader.error(argumentPath, "not a valid regular expression")
      }
      return .regex(pattern)
    case "one_of":
      return .oneOf(try reader.array(argument, argumentPath))
    case "tolerance":
      let tolerance = try reader.double(argument, argumentPath)
      guard tolerance >= 0 else { throw reader.error(argumentPath, "must not be negative") }
      let target = try members["value"].map { (value) throws(SuiteError) in
        try reader.double(value, DocumentReader.join(path, "value"))
      }
      return .tolerance(tolerance, value: target)
    case "subset":
      return argument.boolValue == true ? .subsetOfGolden : .subset(argument)
    default:
      throw reader.error(
        DocumentReader.join(path, name),
        "unknown matcher; expected one of \(names.joined(separator: ", "))")
    }
  }

  private static func parseFault(_ value: JSONValue, _ reader: DocumentReader, _ path: String)
    throws(SuiteError) -> ToolFault
  {
    let members = try reader.object(value, path)
    try reader.onlyKeys(members, ["intent", "fails", "message", "parameters"], path)
    guard let intent = members["intent"] else { throw reader.error(path, "missing key \"intent\"") }
    let fails = try members["fails"].map { (value) throws(SuiteError) in
      try reader.int(value, DocumentReader.join(path, "fails"), minimum: 1)
    }
    let message = try members["message"].map { (value) throws(SuiteError) in
      try reader.string(value, DocumentReader.join(path, "message"))
    }
    var parameters: JSONValue?
    if let given = members["parameters"] {
      _ = try reader.object(given, DocumentReader.join(path, "parameters"))
      parameters = given
    }
    return ToolFault(
      intent: try reader.string(intent, DocumentReader.join(path, "intent")), fails: fails ?? 1,
      message: message ?? "simulated failure", parameters: parameters)
  }

  private static func parseBehaviour(_ value: JSONValue, _ reader: DocumentReader, _ path: String)
    throws(SuiteError) -> BehaviourExpectation
  {
    let members = try reader.object(value, path)
    try reader.onlyKeys(members, ["retries_at_most", "escalates", "ends_with", "max_steps"], path)
    var behaviour = BehaviourExpectation()
    if let value = members["retries_at_most"] {
      behaviour.retriesAtMost = try reader.int(value, DocumentReader.join(path, "retries_at_most"))
    }
    if let value = members["escalates"] {
      behaviour.escalates = try reader.bool(value, DocumentReader.join(path, "escalates"))
    }
    if let value = members["ends_with"] {
      behaviour.endsWith = try reader.string(value, DocumentReader.join(path, "ends_with"))
    }
    if let value = members["max_steps"] {
      behaviour.maxSteps = try reader.int(value, DocumentReader.join(path, "max_steps"), minimum: 1)
    }
    return behaviour
  }
}
