import RefoldCore

extension RunResultsWriter {
  /// The bytes `JSONEncoder` (sorted keys, slashes unescaped) gives for a step-mode case,
  /// written directly; nil for a case it does not cover (a loop run's behaviour, a number
  /// that is not finite), which is then encoded with `JSONEncoder`.
  ///
  /// Writing a case this way is several times faster than through `Codable`, which matters
  /// for a run of many thousands of decisions. The output is the same byte for byte: keys
  /// sorted by their UTF-8 bytes, optional fields left out when nil, strings escaped like
  /// canonical JSON, and fractional numbers written as Swift's `description` without a
  /// trailing `.0`, as `JSONEncoder` does on every platform Refold runs on. The tests compare
  /// both on every kind of case, and count ``CaseResult``'s fields so that a new one is not
  /// forgotten here.
  static func encodedCase(_ result: CaseResult) -> [UInt8]? {
    guard result.behaviour == nil else { return nil }
    var members: [String: JSONValue] = [
      "id": .string(result.id), "thread": .string(result.thread), "mode": .string(result.mode),
      "verdict": .string(result.verdict.rawValue),
    ]
    if let step = result.step { members["step"] = .int(Int64(step)) }
    if let seq = result.seq { members["seq"] = .int(Int64(seq)) }
    if let expected = result.expected { members["expected"] = intent(expected) }
    if let accepted = result.accepted {
      members["accepted"] = .array(accepted.map(JSONValue.string))
    }
    if let actual = result.actual { members["actual"] = intent(actual) }
    if let failure = result.failure { members["failure"] = .string(failure) }
    if let differences = result.parameterDiff {
      members["parameter_diff"] = .array(differences.map(difference))
    }
    if let behaviour = result.retryBehaviour { members["retry_behaviour"] = .string(behaviour) }
    if let behaviour = result.expectedRetryBehaviour {
      members["expected_retry_behaviour"] = .string(behaviour)
    }
    if let overRetry = result.overRetry { members["over_retry"] = .bool(overRetry) }
    if let key = result.exchangeKey { members["exchange_key"] = .string(key) }
    if let usage = result.usage {
      members["usage"] = [
        "input_tokens": .int(Int64(usage.inputTokens)),
        "output_tokens": .int(Int64(usage.outputTokens)),
      ]
    }
    if let latency = result.latencyMilliseconds { members["latency_ms"] = .double(latency) }
    if let context = result.context { members["context"] = .string(context) }
    if let response = result.rawResponse { members["raw_response"] = response }
    var output: [UInt8] = []
    output.reserveCapacity(512 + (result.context?.utf8.count ?? 0))
    guard write(.object(members), into: &output) else { return nil }
    return output
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

  /// Writes `value` as `JSONEncoder` would; false for a number that is not finite.
  private static func write(_ value: JSONValue, into output: inout [UInt8]) -> Bool {
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
        guard write(element, into: &output) else { return false }
      }
      output.append(UInt8(ascii: "]"))
      return true
    case .object(let members):
      output.append(UInt8(ascii: "{"))
      let sorted = members.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
      for (offset, member) in sorted.enumerated() {
        if offset > 0 { output.append(UInt8(ascii: ",")) }
        JSONValue.writeString(member.key, into: &output)
        output.append(UInt8(ascii: ":"))
        guard write(member.value, into: &output) else { return false }
      }
      output.append(UInt8(ascii: "}"))
      return true
    case .null, .bool, .int, .string:
      value.writeCanonical(into: &output)
      return true
    }
  }
}
