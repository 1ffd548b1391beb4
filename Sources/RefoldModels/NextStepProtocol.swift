import RefoldCore

/// The `refold.next-step/v1` wire format: one request per decision point, one answer.
///
/// Request: `{"protocol":"refold.next-step/v1","suite":S,"variant":V,"thread":T,"step":K,
/// "events":[{"seq":0,"type":"user_input","data":…}, …]}`. Answer: `{"intent":NAME,
/// "params":{…}}`, or `{"error":"…"}` when the agent could not decide.
public enum NextStepProtocol {
  /// The protocol's name, sent in every request.
  public static let name = "refold.next-step/v1"

  /// What an agent answered.
  public enum Answer: Sendable, Hashable {
    case intent(Intent)
    /// The agent could not decide; scored as invalid output, with its message.
    case error(String)
  }

  /// The request for the decision after `events` on `thread`.
  public static func request(
    suite: String, variant: String, thread: String, step: Int, events: [Event]
  ) -> JSONValue {
    .object([
      "protocol": .string(name), "suite": .string(suite), "variant": .string(variant),
      "thread": .string(thread), "step": .int(Int64(step)),
      "events": .array(events.map(eventValue)),
    ])
  }

  /// An event as the protocol sends it: `seq`, `type`, `data`, and `id`, `at`, `meta` when
  /// present.
  public static func eventValue(_ event: Event) -> JSONValue {
    var members: [String: JSONValue] = [
      "seq": .int(Int64(event.seq)), "type": .string(event.type), "data": event.data,
    ]
    if let id = event.id { members["id"] = .string(id) }
    if let at = event.at { members["at"] = .string(at) }
    if let meta = event.meta { members["meta"] = meta }
    return .object(members)
  }

  /// Decodes an answer object.
  ///
  /// - Returns: a failure naming what is wrong when `value` is neither an intent nor an error
  ///   answer.
  public static func answer(_ value: JSONValue) -> Result<Answer, ExternalAgentError> {
    guard let members = value.objectValue else {
      return .failure(ExternalAgentError("the answer is not a JSON object"))
    }
    if let error = members["error"] {
      return .success(.error(error.stringValue ?? error.canonicalString))
    }
    guard let intent = members["intent"]?.stringValue, !intent.isEmpty else {
      return .failure(
        ExternalAgentError("the answer has neither a string \"intent\" nor an \"error\""))
    }
    let parameters = members["params"] ?? .emptyObject
    guard parameters.objectValue != nil else {
      return .failure(ExternalAgentError("the answer's \"params\" is not a JSON object"))
    }
    return .success(.intent(Intent(name: intent, parameters: parameters)))
  }
}
