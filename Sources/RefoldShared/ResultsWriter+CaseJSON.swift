import RefoldCore

extension ResultsWriter {
  /// The bytes `JSONEncoder` (sorted keys, slashes unescaped) gives for a step-mode case,
  /// written directly; nil for a case it does not cover (a loop run's behaviour, a number
  /// that is not finite), which is then encoded with `JSONEncoder`.
  ///
  /// Writing a case this way is several times faster than through `Codable`, which matters
  /// for a run of many thousands of decisions. The output is meant to be the same byte for
  /// byte: members in the order of their keys' UTF-8 bytes, optional fields left out when
  /// nil, strings escaped like canonical JSON, fractional numbers written as Swift's
  /// `description` without a trailing `.0`. The tests compare both on every kind of case,
  /// and count ``CaseResult``'s fields so that a new one is not forgotten here.
  static func encodedCase(_ result: CaseResult) -> [UInt8]? {
    guard result.behaviour == nil, result.latencyMilliseconds?.isFinite ?? true else {
      return nil
    }
    var object = ObjectWriter()
    object.output.reserveCapacity(512 + (result.context?.utf8.count ?? 0))
    // Members in the order JSONEncoder sorts their keys.
    if let accepted = result.accepted {
      object.key("accepted")
      object.output.append(UInt8(ascii: "["))
      for (offset, name) in accepted.enumerated() {
        if offset > 0 { object.output.append(UInt8(ascii: ",")) }
        JSONValue.writeString(name, into: &object.output)
      }
      object.output.append(UInt8(ascii: "]"))
    }
    if let actual = result.actual {
      object.key("actual")
      guard writeValue(intent(actual), into: &object.output) else { return nil }
    }
    if let context = result.context { object.string("context", context) }
    if let key = result.exchangeKey { object.string("exchange_key", key) }
    if let expected = result.expected {
      object.key("expected")
      guard writeValue(intent(expected), into: &object.output) else { return nil }
    }
    if let behaviour = result.expectedRetryBehaviour {
      object.string("expected_retry_behaviour", behaviour)
    }
    if let failure = result.failure { object.string("failure", failure) }
    object.string("id", result.id)
    if let judged = result.judged {
      object.key("judged")
      guard writeValue(.array(judged.map(judgedParameter)), into: &object.output) else {
        return nil
      }
    }
    if let latency = result.latencyMilliseconds {
      object.key("latency_ms")
      _ = writeValue(.double(latency), into: &object.output)
    }
    object.string("mode", result.mode)
    if let overRetry = result.overRetry {
      object.key("over_retry")
      object.output.append(contentsOf: (overRetry ? "true" : "false").utf8)
    }
    if let differences = result.parameterDiff {
      object.key("parameter_diff")
      guard writeValue(.array(differences.map(difference)), into: &object.output) else {
        return nil
      }
    }
    if let response = result.rawResponse {
      object.key("raw_response")
      guard writeValue(response, into: &object.output) else { return nil }
    }
    if let behaviour = result.retryBehaviour { object.string("retry_behaviour", behaviour) }
    if let seq = result.seq { object.integer("seq", seq) }
    if let step = result.step { object.integer("step", step) }
    object.string("thread", result.thread)
    if let usage = result.usage {
      object.key("usage")
      object.output.append(contentsOf: #"{"input_tokens":"#.utf8)
      object.output.append(contentsOf: String(usage.inputTokens).utf8)
      object.output.append(contentsOf: #","output_tokens":"#.utf8)
      object.output.append(contentsOf: String(usage.outputTokens).utf8)
      object.output.append(UInt8(ascii: "}"))
    }
    object.string("verdict", result.verdict.rawValue)
    object.output.append(UInt8(ascii: "}"))
    return object.output
  }

  /// Writes an object's members one after another (keys need no escaping).
  private struct ObjectWriter {
    var output: [UInt8] = []

    mutating func key(_ name: StaticString) {
      output.append(output.isEmpty ? UInt8(ascii: "{") : UInt8(ascii: ","))
      output.append(UInt8(ascii: "\""))
      name.withUTF8Buffer { output.append(contentsOf: $0) }
      output.append(contentsOf: #"":"#.utf8)
    }

    mutating func string(_ name: StaticString, _ value: String) {
      key(name)
      JSONValue.writeString(value, into: &output)
    }

    mutating func integer(_ name: StaticString, _ value: Int) {
      key(name)
      output.append(contentsOf: String(value).utf8)
    }
  }

  private static func intent(_ intent: Intent) -> JSONValue {
    ["name": .string(intent.name), "parameters": intent.parameters]
  }

  private static func difference(_ difference: ParameterDifference) -> JSONValue {
    var members: [String: JSONValue] = [
      "path": .string(difference.path), "matcher": .string(difference.matcher),
      "reason": .string(difference.reason),
    ]
    if let expected = difference.expected { members["expected"] = expected }
    if let actual = difference.actual { members["actual"] = actual }
    return .object(members)
  }

  private static func judgedParameter(_ judged: JudgedParameter) -> JSONValue {
    var members: [String: JSONValue] = [
      "path": .string(judged.path), "matcher": .string(judged.matcher),
      "passed": .bool(judged.passed),
    ]
    if let reason = judged.reason { members["reason"] = .string(reason) }
    if let score = judged.score { members["score"] = .double(score) }
    if let minimum = judged.minimum { members["minimum"] = .double(minimum) }
    return .object(members)
  }

  /// Writes `value` as `JSONEncoder` would; false for a number that is not finite.
  static func writeValue(_ value: JSONValue, into output: inout [UInt8]) -> Bool {
    switch value {
    case .double(let number):
      guard number.isFinite else { return false }
      var text = number.description
      if text.hasSuffix(".0") { text.removeLast(2) }
      output.append(contentsOf: text.utf8)
      return true
    case .array(let elements):
      output.append(UInt8(ascii: "["))
      for (offset, element) in elements.enumerated() {
        if offset > 0 { output.append(UInt8(ascii: ",")) }
        guard writeValue(element, into: &output) else { return false }
      }
      output.append(UInt8(ascii: "]"))
      return true
    case .object(let members):
      output.append(UInt8(ascii: "{"))
      let sorted = members.sorted { JSONValue.bytesPrecede($0.key, $1.key) }
      for (offset, member) in sorted.enumerated() {
        if offset > 0 { output.append(UInt8(ascii: ",")) }
        JSONValue.writeString(member.key, into: &output)
        output.append(UInt8(ascii: ":"))
        guard writeValue(member.value, into: &output) else { return false }
      }
      output.append(UInt8(ascii: "}"))
      return true
    case .null, .bool, .int, .string:
      value.writeCanonical(into: &output)
      return true
    }
  }
}
