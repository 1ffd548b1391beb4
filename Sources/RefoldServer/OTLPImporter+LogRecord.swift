import RefoldCore

extension OTLPImporter {
  /// One OTLP log record (`resourceLogs[].scopeLogs[].logRecords[]`), as the GenAI
  /// instrumentations write their events.
  struct LogRecord {
    /// `eventName`, else the `event.name` attribute (older SDKs).
    var name: String
    var traceID: String
    var spanID: String
    /// `timeUnixNano`, else `observedTimeUnixNano`.
    var time: UInt64
    var attributes: [String: JSONValue]
    /// The record's body as JSON (`kvlistValue` becomes an object).
    var body: JSONValue

    init(_ value: JSONValue) {
      attributes = Span.attributes(value["attributes"])
      name =
        value["eventName"]?.stringValue ?? attributes["event.name"]?.stringValue ?? ""
      traceID = value["traceId"]?.stringValue ?? ""
      spanID = value["spanId"]?.stringValue ?? ""
      let stamp = Span.nanoseconds(value["timeUnixNano"])
      time = stamp > 0 ? stamp : Span.nanoseconds(value["observedTimeUnixNano"])
      body = Span.anyValue(value["body"])
    }

    /// Whether the record is one of the GenAI events Refold reads.
    var isGenAI: Bool { name.hasPrefix("gen_ai.") }

    /// `gen_ai.client.inference.operation.details`: the call's attributes, content included.
    var isOperationDetails: Bool { name == "gen_ai.client.inference.operation.details" }

    /// The record as a span event: its attributes with the body's members over them (a
    /// JSON text body is parsed; another body is `content`).
    var eventAttributes: [String: JSONValue] {
      var members = attributes
      var body = self.body
      if case .string(let text) = body, let parsed = try? JSONParser.parse(text),
        parsed.objectValue != nil
      {
        body = parsed
      }
      if let object = body.objectValue {
        for (key, value) in object { members[key] = value }
      } else if body != .null {
        members["content"] = body
      }
      return members
    }
  }
}
