import RefoldCore
import RefoldShared

extension Exchange {
  /// The exchange as a cassette line's JSON object, with the snake_case keys of
  /// `Exchange.CodingKeys` (`latency_ms`, `recorded_at`; usage as `input_tokens` and
  /// `output_tokens`); `key_scheme` is written from scheme 2 on, so scheme-1 lines stay
  /// as they were.
  public var jsonValue: JSONValue {
    var members: [String: JSONValue] = [
      "key": .string(key), "n": .int(Int64(n)), "provider": .string(provider),
      "request": request, "response": response, "recorded_at": .string(recordedAt),
    ]
    if keyScheme != 1 { members["key_scheme"] = .int(Int64(keyScheme)) }
    if let latencyMilliseconds { members["latency_ms"] = .double(latencyMilliseconds) }
    if let usage {
      members["usage"] = [
        "input_tokens": .int(Int64(usage.inputTokens)),
        "output_tokens": .int(Int64(usage.outputTokens)),
      ]
    }
    if let thread { members["thread"] = .string(thread) }
    if let meta { members["meta"] = meta }
    return .object(members)
  }

  /// The cassette line (canonical JSON, without the newline).
  public var jsonLine: String { jsonValue.canonicalString }

  /// Reads an exchange from a cassette line's JSON object; nil with a reason when a field
  /// is missing or mistyped.
  public init(jsonValue value: JSONValue) throws(ExchangeLineError) {
    guard value.objectValue != nil else { throw ExchangeLineError("expected a JSON object") }
    guard let key = value["key"]?.stringValue else { throw ExchangeLineError("missing key") }
    guard let n = value["n"]?.intValue, n >= 0 else { throw ExchangeLineError("missing n") }
    guard let provider = value["provider"]?.stringValue else {
      throw ExchangeLineError("missing provider")
    }
    var keyScheme = 1
    if let scheme = value["key_scheme"] {
      guard let number = scheme.intValue, number >= 1 else {
        throw ExchangeLineError("key_scheme must be a positive integer")
      }
      keyScheme = number
    }
    guard let request = value["request"] else { throw ExchangeLineError("missing request") }
    guard let response = value["response"] else { throw ExchangeLineError("missing response") }
    var usage: TokenUsage?
    if let object = value["usage"], !object.isNull {
      guard let input = object["input_tokens"]?.intValue,
        let output = object["output_tokens"]?.intValue
      else { throw ExchangeLineError("usage needs input_tokens and output_tokens") }
      usage = TokenUsage(inputTokens: input, outputTokens: output)
    }
    self.init(
      key: key, n: n, provider: provider, request: request, response: response,
      latencyMilliseconds: value["latency_ms"]?.doubleValue, usage: usage,
      recordedAt: value["recorded_at"]?.stringValue ?? "", thread: value["thread"]?.stringValue,
      meta: value["meta"], keyScheme: keyScheme)
  }
}

/// Why a cassette line is not an exchange.
public struct ExchangeLineError: Error, Sendable, Hashable {
  public var reason: String
  public init(_ reason: String) { self.reason = reason }
}
