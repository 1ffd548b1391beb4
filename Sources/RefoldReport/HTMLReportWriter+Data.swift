import RefoldCore
import RefoldShared

extension HTMLReportWriter {
  /// The verdicts in the order the page's script indexes them.
  static let verdicts: [CaseResult.Verdict] = [
    .pass, .wrongIntent, .wrongParameters, .invalidOutput, .sourceError, .behaviourFailed,
    .diverged,
  ]

  /// Builds the compact data block the page's script renders the case table from.
  ///
  /// Shape (short keys keep 100,000 decisions small):
  /// `{"v": variants, "s": strings, "h": thread names, "c": cases, "p": parameters,
  /// "q": each case's parameter entry, "e": timelines}`.
  /// A case is `[variant, thread, mode (0 step, 1 loop), step, seq, expected, actual,
  /// verdict, extra?]` with string-table indices and -1 for absent; `extra` holds the id when
  /// it is not `thread#step` / `thread@loop`, and for failing cases and cases the variants
  /// decided differently (flagged `df`) the diff (`d`), failure
  /// (`f`), parameters (`ep`, `ap`), retry behaviour (`rb`, `xb`), context (`x`) and raw
  /// response (`r`); the other cases' expected and actual parameters are in the parameter
  /// table (`p`, each distinct pair once; `q[k]` is case k's entry or -1); loop cases carry their
  /// behaviour (`b`), with each model call (`mc`). A timeline is a list of
  /// `[seq, type, data, at, meta]` with `type` a string index and `0` for absent fields.
  /// JSON values (event data, parameters, raw responses) are embedded as values; one longer
  /// than `maxEmbeddedText` becomes `{"~": clipped text}`. Contexts and raw responses share
  /// `maxDetailBytes`; a case past the budget is flagged `o`.
  struct DataBlock {
    var strings: [String] = []
    var stringIndex: [String: Int] = [:]
    var threadNames: [String] = []
    var threadIndex: [String: Int] = [:]
    /// The parameters of cases that keep no details, each distinct entry once (as its
    /// bytes): `[value]` when expected and actual are the same, else `[expected, actual]`.
    var parameters: [[UInt8]] = []
    var parameterIndex: [ArraySlice<UInt8>: Int] = [:]
    /// Bytes of the parameter table.
    var parameterBytes = 0
    let maxText: Int
    /// Bytes left for the parameter table.
    var parameterBudget: Int

    init(maxText: Int, parameterBudget: Int = 0) {
      self.maxText = maxText
      self.parameterBudget = parameterBudget
    }

    /// A case's expected and actual parameters as the parameter table keys and holds them.
    ///
    /// Values past ``HTMLReportWriter/maxSearchedParameterText`` are clipped: the table is
    /// for search.
    func parameterCandidate(expected: JSONValue?, actual: JSONValue?) -> (
      key: [UInt8], entry: [UInt8]
    ) {
      // The script-safe text identifies a value as its canonical text does, and is never
      // shorter: canonical text is made only for a value that may need clipping.
      let limit = HTMLReportWriter.maxSearchedParameterText
      func clipped(_ value: JSONValue?) -> (text: [UInt8], entry: [UInt8]) {
        guard let value else { return ([], Array("null".utf8)) }
        let bytes = Escaping.scriptSafeBytes(value)
        guard bytes.count > limit else { return (bytes, bytes) }
        let text = value.canonicalString
        guard text.utf8.count > limit else { return (bytes, bytes) }
        let prefix = String(decoding: Array(text.utf8.prefix(limit)), as: UTF8.self)
        return (bytes, Escaping.scriptSafeBytes(["~": .string(prefix + "…")]))
      }
      let actualPart = clipped(actual)
      guard expected != actual else {
        return (actualPart.text, [UInt8(ascii: "[")] + actualPart.entry + [UInt8(ascii: "]")])
      }
      let expectedPart = clipped(expected)
      if expectedPart.text == actualPart.text {
        return (actualPart.text, [UInt8(ascii: "[")] + actualPart.entry + [UInt8(ascii: "]")])
      }
      return (
        expectedPart.text + [0] + actualPart.text,
        [UInt8(ascii: "[")] + expectedPart.entry + [UInt8(ascii: ",")] + actualPart.entry
          + [UInt8(ascii: "]")]
      )
    }

    /// The index in the parameter table of a candidate (see ``parameterCandidate``).
    ///
    /// A key not yet in the table is added; nil once the table's budget is spent.
    mutating func parameterEntry(key: ArraySlice<UInt8>, entry: ArraySlice<UInt8>) -> Int? {
      if let index = parameterIndex[key] { return index }
      let size = entry.count + 1
      guard size <= parameterBudget else { return nil }
      parameterBudget -= size
      parameterBytes += size
      parameters.append(Array(entry))
      parameterIndex[ArraySlice(Array(key))] = parameters.count - 1
      return parameters.count - 1
    }

    mutating func string(_ text: String) -> Int {
      if let index = stringIndex[text] { return index }
      strings.append(text)
      stringIndex[text] = strings.count - 1
      return strings.count - 1
    }

    mutating func thread(_ name: String) -> Int {
      if let index = threadIndex[name] { return index }
      threadNames.append(name)
      threadIndex[name] = threadNames.count - 1
      return threadNames.count - 1
    }

    func clip(_ text: String) -> JSONValue {
      guard text.utf8.count > maxText else { return .string(text) }
      let prefix = String(decoding: Array(text.utf8.prefix(maxText)), as: UTF8.self)
      return .string(prefix + "… [\(text.utf8.count - maxText) more bytes in results.json]")
    }

    /// Appends the script-safe bytes of ``embed(_:)``'s result for `value`, made from
    /// `encoded` (`value`'s canonical JSON) when it is given.
    ///
    /// Its canonical text is never longer than its script-safe text (the script-safe form
    /// escapes all that canonical JSON escapes, as long or longer, and more), so a value whose
    /// script-safe text fits `maxText` is embedded as it is, measured by one serialisation.
    func appendEmbedded(
      _ value: JSONValue, encoded: EncodedData? = nil, to output: inout [UInt8]
    ) {
      let start = output.count
      if let encoded {
        Escaping.appendScriptSafeCanonicalJSON(encoded.bytes, to: &output)
      } else {
        Escaping.appendScriptSafeJSON(value, to: &output)
      }
      guard output.count - start > maxText else { return }
      output.removeSubrange(start...)
      Escaping.appendScriptSafeJSON(embed(value), to: &output)
    }

    /// `value` itself when its text fits `maxText`, else `{"~": clipped text}`.
    func embed(_ value: JSONValue) -> JSONValue {
      switch value {
      case .null, .bool, .int, .double: return value
      case .string(let text): return text.utf8.count <= maxText ? value : ["~": clip(text)]
      case .array, .object:
        let text = value.canonicalString
        return text.utf8.count <= maxText ? value : ["~": clip(text)]
      }
    }

    mutating func events(_ events: [Event]) -> JSONValue {
      .array(
        events.map { event in
          .array([
            .int(Int64(event.seq)), .int(Int64(string(event.type))), embed(event.data),
            event.at.map(JSONValue.string) ?? .int(0), event.meta.map { embed($0) } ?? .int(0),
          ])
        })
    }

    func diff(_ differences: [ParameterDifference]) -> JSONValue {
      .array(
        differences.map { difference in
          .array([
            .string(difference.path),
            difference.expected.map { clip($0.canonicalString) } ?? .int(0),
            difference.actual.map { clip($0.canonicalString) } ?? .int(0),
            .string(difference.matcher), clip(difference.reason),
          ])
        })
    }

    /// One model call of a loop run: `{"s": step, "q": seq, "n": intent, "p": parameters,
    /// "f": failure, "rb": retry behaviour, "or": over the cap, "es": escalation, "x":
    /// context, "r": raw response, "o": left out}`; context and raw response only when
    /// `detailed`, from the same budget as the cases'.
    func modelCall(_ call: LoopModelCall, detailed: Bool) -> HTMLRowTemplate {
      var entry: [String: JSONValue] = ["s": .int(Int64(call.step)), "q": .int(Int64(call.seq))]
      if let intent = call.intent {
        entry["n"] = .string(intent.name)
        entry["p"] = embed(intent.parameters)
      }
      if let failure = call.failure { entry["f"] = clip(failure) }
      if let behaviour = call.retryBehaviour { entry["rb"] = .string(behaviour) }
      if call.overRetry == true { entry["or"] = .bool(true) }
      if call.escalation == true { entry["es"] = .bool(true) }
      if call.omitted == true { entry["o"] = .bool(true) }
      var template = HTMLRowTemplate()
      guard detailed else {
        template.append(Escaping.scriptSafeBytes(.object(entry)))
        return template
      }
      let context = call.context.map(clip)
      let raw = call.rawResponse.map(embed)
      var included = entry
      if let context { included["x"] = context }
      if let raw { included["r"] = raw }
      var omitted = entry
      omitted["o"] = .bool(true)
      let includedBytes = Escaping.scriptSafeBytes(.object(included))
      let omittedBytes = Escaping.scriptSafeBytes(.object(omitted))
      let size =
        (context.map(Escaping.scriptSafeBytes)?.count ?? 0)
        + (raw.map(Escaping.scriptSafeBytes)?.count ?? 0)
      template.slots.append(.init(size: size, included: includedBytes, omitted: omittedBytes))
      template.append(slot: 0)
      return template
    }

    /// A JSON object of members whose values are templates, in the order of their keys.
    ///
    /// A member whose key is in `bare` is written without its key: it is a detail holding
    /// members of its own, sorted where its key sorts.
    static func object(
      _ members: [(key: String, value: HTMLRowTemplate)], bare: Set<String> = []
    ) -> HTMLRowTemplate {
      // The members' details draw on the budget in the order the members are given; their
      // bytes are in the order of the keys.
      var template = HTMLRowTemplate()
      var bases: [Int] = []
      for member in members {
        bases.append(template.slots.count)
        template.slots += member.value.slots
      }
      template.append([UInt8(ascii: "{")])
      let sorted = members.indices.sorted {
        JSONValue.bytesPrecede(members[$0].key, members[$1].key)
      }
      for (offset, index) in sorted.enumerated() {
        let member = members[index]
        if offset > 0 { template.append([UInt8(ascii: ",")]) }
        if !bare.contains(member.key) {
          var key: [UInt8] = []
          Escaping.appendScriptSafeJSONString(member.key, to: &key)
          key.append(UInt8(ascii: ":"))
          template.append(key)
        }
        template.appendPieces(of: member.value, slotBase: bases[index])
      }
      template.append([UInt8(ascii: "}")])
      return template
    }

    /// `"key":value` for each member, its value's script-safe bytes given, in the order of
    /// their keys, joined by commas.
    static func members(serialised members: [String: [UInt8]]) -> [UInt8] {
      var output: [UInt8] = []
      let sorted = members.sorted { JSONValue.bytesPrecede($0.key, $1.key) }
      for (offset, member) in sorted.enumerated() {
        if offset > 0 { output.append(UInt8(ascii: ",")) }
        Escaping.appendScriptSafeJSONString(member.key, to: &output)
        output.append(UInt8(ascii: ":"))
        output.append(contentsOf: member.value)
      }
      return output
    }

    static func literal(_ value: JSONValue) -> HTMLRowTemplate {
      var template = HTMLRowTemplate()
      template.append(Escaping.scriptSafeBytes(value))
      return template
    }

    /// One case's row; `differs` keeps its details (parameters, context, raw response) even
    /// when it passed, because another variant decided the same case differently.
    ///
    /// The context and raw response are a detail of the row (the members `o` to `x`, with
    /// them or with `o`), and so is each detailed model call of a loop run: whether they fit
    /// the detail budget is decided when the block is written.
    mutating func row(_ result: CaseResult, variant: Int, differs: Bool = false)
      -> HTMLRowTemplate
    {
      let threadNumber = thread(result.thread)
      let isLoop = result.mode == "loop"
      let detailed = !result.passed || differs
      var extra: [String: JSONValue] = [:]
      if !Self.isDefaultID(result, isLoop: isLoop) { extra["i"] = .string(result.id) }
      if !isLoop && result.mode != "step" { extra["m"] = .string(result.mode) }
      // The context's and the raw response's bytes, each serialised once.
      var detail: (context: [UInt8]?, raw: [UInt8]?)?
      if detailed {
        if differs { extra["df"] = .bool(true) }
        if let expected = result.expected { extra["ep"] = embed(expected.parameters) }
        if let actual = result.actual { extra["ap"] = embed(actual.parameters) }
        if let differences = result.parameterDiff, !differences.isEmpty {
          extra["d"] = diff(differences)
        }
        if let failure = result.failure { extra["f"] = clip(failure) }
        if result.context != nil || result.rawResponse != nil {
          detail = (
            result.context.map { Escaping.scriptSafeBytes(clip($0)) },
            result.rawResponse.map { value in
              var bytes: [UInt8] = []
              appendEmbedded(value, to: &bytes)
              return bytes
            }
          )
        }
        if let accepted = result.accepted, !accepted.isEmpty {
          extra["ac"] = .array(accepted.map(JSONValue.string))
        }
      }
      // What the judge or the embeddings said, passing or not: [path, matcher, passed, why].
      if let judged = result.judged, !judged.isEmpty {
        extra["jd"] = .array(
          judged.map { entry in
            .array([
              .string(entry.path), .string(entry.matcher), .bool(entry.passed),
              clip(
                entry.score.map { score in
                  "similarity \(score)" + (entry.minimum.map { " (min \($0))" } ?? "")
                } ?? entry.reason ?? ""),
            ])
          })
      }
      if let behaviour = result.retryBehaviour { extra["rb"] = .string(behaviour) }
      if let behaviour = result.expectedRetryBehaviour { extra["xb"] = .string(behaviour) }
      if let usage = result.usage, detailed {
        extra["u"] = .array([.int(Int64(usage.inputTokens)), .int(Int64(usage.outputTokens))])
      }
      // The case's own detail first: it draws on the budget before its model calls.
      var members: [(key: String, value: HTMLRowTemplate)] = []
      if let detail {
        // The members from `o` to `x`, with the details or without them.
        var included: [String: [UInt8]] = [:]
        var omitted: [String: [UInt8]] = ["o": Array("true".utf8)]
        for key in ["rb", "u"] {
          if let value = extra.removeValue(forKey: key) {
            let bytes = Escaping.scriptSafeBytes(value)
            included[key] = bytes
            omitted[key] = bytes
          }
        }
        if let context = detail.context { included["x"] = context }
        if let raw = detail.raw { included["r"] = raw }
        var slot = HTMLRowTemplate()
        slot.slots.append(
          .init(
            size: (detail.context?.count ?? 0) + (detail.raw?.count ?? 0),
            included: Self.members(serialised: included),
            omitted: Self.members(serialised: omitted)))
        slot.append(slot: 0)
        members.append(("o", slot))
      }
      if let behaviour = result.behaviour {
        var loop: [String: JSONValue] = [
          "st": .int(Int64(behaviour.steps)), "fs": .string(behaviour.finalStatus.rawValue),
          "re": .int(Int64(behaviour.retries)), "es": .bool(behaviour.escalated),
          "ck": .array(
            behaviour.checks.map { .array([.string($0.name), .bool($0.passed), clip($0.detail)]) }),
        ]
        if let terminal = behaviour.terminalIntent { loop["ti"] = .string(terminal) }
        if let timing = behaviour.escalationTiming { loop["et"] = .string(timing) }
        if let divergence = behaviour.divergence {
          var entry: [String: JSONValue] = [
            "s": .int(Int64(divergence.step)), "a": .string(divergence.actual.name),
            "ap": embed(divergence.actual.parameters),
            "d": diff(divergence.parameterDiff),
          ]
          if let expected = divergence.expected {
            entry["e"] = .string(expected.name)
            entry["ep"] = embed(expected.parameters)
          }
          loop["dv"] = .object(entry)
        }
        var loopMembers: [(key: String, value: HTMLRowTemplate)] = []
        if !result.passed || behaviour.events.count <= 200 {
          loop["ev"] = events(behaviour.events)
          if let calls = behaviour.modelCalls, !calls.isEmpty {
            var list = HTMLRowTemplate()
            list.append([UInt8(ascii: "[")])
            for (offset, call) in calls.enumerated() {
              if offset > 0 { list.append([UInt8(ascii: ",")]) }
              list.append(modelCall(call, detailed: detailed))
            }
            list.append([UInt8(ascii: "]")])
            loopMembers.append(("mc", list))
          }
        }
        for (key, value) in loop { loopMembers.append((key, Self.literal(value))) }
        members.append(("b", Self.object(loopMembers)))
      }
      for (key, value) in extra { members.append((key, Self.literal(value))) }
      var template = HTMLRowTemplate()
      var row: [UInt8] = []
      row.reserveCapacity(40)
      row.append(UInt8(ascii: "["))
      let expected = result.expected.map { string($0.name) } ?? -1
      let actual = result.actual.map { string($0.name) } ?? -1
      for number in [
        variant, threadNumber, isLoop ? 1 : 0, result.step ?? -1, result.seq ?? -1, expected,
        actual,
      ] {
        Escaping.appendDecimal(number, to: &row)
        row.append(UInt8(ascii: ","))
      }
      Escaping.appendDecimal(
        HTMLReportWriter.verdicts.firstIndex(of: result.verdict) ?? 0, to: &row)
      if members.isEmpty {
        row.append(UInt8(ascii: "]"))
        template.append(row)
        return template
      }
      row.append(UInt8(ascii: ","))
      template.append(row)
      template.append(Self.object(members, bare: detail == nil ? [] : ["o"]))
      template.append([UInt8(ascii: "]")])
      return template
    }

    /// Whether a case's id is the one its place gives it: `thread#step`, `thread@loop`.
    static func isDefaultID(_ result: CaseResult, isLoop: Bool) -> Bool {
      var id = result.id.utf8[...]
      let thread = result.thread.utf8
      guard id.starts(with: thread) else { return false }
      id = id.dropFirst(thread.count)
      if isLoop { return id.elementsEqual("@loop".utf8) }
      guard id.first == UInt8(ascii: "#") else { return false }
      var digits: [UInt8] = []
      Escaping.appendDecimal(result.step ?? -1, to: &digits)
      return id.dropFirst().elementsEqual(digits)
    }
  }

  /// Most bytes of the parameter table (the parameters of passing cases, for search).
  static let maxParameterBytes = 8_000_000

  /// Bytes of the parameter table that do not come out of the contexts' budget: with the
  /// cases and timelines, a run of 100,000 decisions stays under 25 MB.
  static let reservedParameterBytes = 2_000_000

  /// Parameters of a passing case longer than this are clipped in the parameter table.
  static let maxSearchedParameterText = 512
}
