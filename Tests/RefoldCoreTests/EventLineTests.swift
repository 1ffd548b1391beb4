import Testing

@testable import RefoldCore

/// Event JSONL validation: what a line must hold, and what it says when it does not.
@Suite struct EventLineTests {
  func reason(_ line: String) -> String? {
    do {
      _ = try EventLine.parse(line)
      return nil
    } catch {
      return error.reason
    }
  }

  @Test func minimalAndFullLines() throws {
    let minimal = try EventLine.parse(#"{"thread":"t","type":"list_git_tags","data":{}}"#)
    #expect(minimal == EventLine(thread: "t", type: "list_git_tags", data: [:]))
    #expect(minimal.seq == nil)
    let event = minimal.event(seq: 7)
    #expect(event.seq == 7)
    #expect(event.jsonLine == #"{"thread":"t","seq":7,"type":"list_git_tags","data":{}}"#)

    let full = try EventLine.parse(
      #"{"meta":{"escalation":true},"at":"2026-11-20T10:00:00.250+01:00","data":{"question":"help?"},"type":"request_human_input","id":"e-9","seq":3,"thread":"deploy-001"}"#
    )
    #expect(full.seq == 3)
    #expect(full.id == "e-9")
    #expect(full.at == "2026-11-20T10:00:00.250+01:00")
    #expect(full.meta == ["escalation": true])
    let fullEvent = full.event(seq: 99)
    #expect(fullEvent.seq == 3)
    #expect(fullEvent.isEscalation)
    // Export writes the fixed field order whatever the input order was.
    #expect(
      fullEvent.jsonLine
        == #"{"thread":"deploy-001","seq":3,"id":"e-9","type":"request_human_input","data":{"question":"help?"},"at":"2026-11-20T10:00:00.250+01:00","meta":{"escalation":true}}"#
    )
  }

  /// An importer stores `data` as the line wrote it only when those bytes are exactly its
  /// canonical JSON; noisy spellings of the same value are rewritten.
  @Test(arguments: 0..<4)
  func canonicalDataIsRecognisedExactly(seed: UInt64) throws {
    var generator = JSONValueGenerator(seed: seed + 50)
    var keptCanonical = 0
    for round in 0..<300 {
      let value = generator.value()
      let canonical = value.canonicalString
      let text = round % 2 == 0 ? canonical : generator.noisy(value)
      let line =
        #"{"thread":"t","seq":0,"type":"x","data":"# + text + #","at":"2026-11-20T10:00:00Z"}"#
      let bytes = Array(line.utf8)
      var span: Range<Int>?
      let parsed = try bytes.withUnsafeBufferPointer { buffer in
        try EventLine.parse(bytes: buffer, canonicalData: &span)
      }
      #expect(parsed.data == value || parsed.data.numericallyEquals(value))
      if let span {
        #expect(String(decoding: bytes[span], as: UTF8.self) == parsed.data.canonicalString)
      }
      // Escapes are left to the canonical writer, even canonical ones.
      if round % 2 == 0, !canonical.contains("\\") {
        #expect(span != nil, "canonical data \(canonical) not recognised")
        if span != nil { keptCanonical += 1 }
      }
      if text != canonical { #expect(span == nil, "\(text) taken for canonical") }
    }
    #expect(keptCanonical > 20)
  }

  @Test func dataMayBeAnyJSON() throws {
    for data in ["null", "\"text\"", "[1,2]", "3.5", "true"] {
      let line = try EventLine.parse(#"{"thread":"t","type":"note","data":"# + data + "}")
      #expect(line.data.canonicalString == data)
    }
  }

  @Test(arguments: [
    ("[1]", "an event must be a JSON object"),
    (#""event""#, "an event must be a JSON object"),
    (#"{"type":"x","data":{}}"#, "missing field \"thread\""),
    (#"{"thread":"t","data":{}}"#, "missing field \"type\""),
    (#"{"thread":"t","type":"x"}"#, "missing field \"data\""),
    (#"{"thread":"","type":"x","data":{}}"#, "\"thread\" must be a non-empty string"),
    (#"{"thread":7,"type":"x","data":{}}"#, "\"thread\" must be a non-empty string"),
    (#"{"thread":"t","type":"","data":{}}"#, "\"type\" must be a non-empty string"),
    (#"{"thread":"t","type":null,"data":{}}"#, "\"type\" must be a non-empty string"),
    (#"{"thread":"t","seq":-1,"type":"x","data":{}}"#, "\"seq\" must be a non-negative integer"),
    (#"{"thread":"t","seq":1.5,"type":"x","data":{}}"#, "\"seq\" must be a non-negative integer"),
    (#"{"thread":"t","seq":"3","type":"x","data":{}}"#, "\"seq\" must be a non-negative integer"),
    (#"{"thread":"t","seq":2.0,"type":"x","data":{}}"#, "\"seq\" must be a non-negative integer"),
    (
      #"{"thread":"t","type":"x","data":{},"at":"yesterday"}"#,
      "\"at\" must be an RFC 3339 timestamp such as 2026-11-20T10:00:00Z"
    ),
    (
      #"{"thread":"t","type":"x","data":{},"at":1763632800}"#,
      "\"at\" must be an RFC 3339 timestamp such as 2026-11-20T10:00:00Z"
    ),
    (#"{"thread":"t","type":"x","data":{},"id":""}"#, "\"id\" must be a non-empty string"),
    (#"{"thread":"t","type":"x","data":{},"id":12}"#, "\"id\" must be a non-empty string"),
    (#"{"thread":"t","type":"x","data":{},"meta":[]}"#, "\"meta\" must be an object"),
    (#"{"thread":"t","type":"x","data":{},"meta":"cassette"}"#, "\"meta\" must be an object"),
    (#"{"thread":"t","type":"x","data":{},"meta":null}"#, "\"meta\" must be an object"),
    (#"{"thread":"t","typ":"x","type":"x","data":{}}"#, "unknown field \"typ\""),
    (#"{"thread":"t","type":"x","data":{}"#, "invalid JSON at column 35: unterminated object"),
    (
      #"{"thread":"t","thread":"u","type":"x","data":{}}"#,
      "invalid JSON at column 15: duplicate key \"thread\""
    ),
    ("", "invalid JSON at column 1: unexpected end of input"),
  ])
  func refusesInvalidLines(line: String, expected: String) {
    #expect(reason(line) == expected)
  }

  @Test func invalidCarriesItsReason() {
    let invalid = EventLine.Invalid("missing field \"thread\"")
    #expect(invalid.description == "missing field \"thread\"")
    #expect(invalid == EventLine.Invalid("missing field \"thread\""))
  }

  @Test func parsesFromBytes() throws {
    let bytes = Array(#"{"thread":"t","seq":0,"type":"slack_message","data":{"text":"é"}}"#.utf8)
    let line = try bytes.withUnsafeBufferPointer { buffer in try EventLine.parse(bytes: buffer) }
    #expect(line.data["text"] == "é")
  }

  @Test(arguments: [
    "2026-11-20T10:00:00Z", "2026-11-20t10:00:00z", "2026-11-20 10:00:00Z",
    "2026-11-20T10:00:00.5Z", "2026-11-20T10:00:00.123456789Z", "2026-11-20T10:00:00+05:30",
    "2026-11-20T23:59:60-00:00", "1999-01-31T00:00:00+23:59",
  ])
  func acceptsRFC3339(text: String) {
    #expect(Timestamp.isRFC3339(text))
  }

  @Test(arguments: [
    "", "2026-11-20", "2026-11-20T10:00:00", "2026-11-20T10:00Z", "2026-13-20T10:00:00Z",
    "2026-00-20T10:00:00Z", "2026-11-32T10:00:00Z", "2026-11-00T10:00:00Z",
    "2026-11-20T24:00:00Z", "2026-11-20T10:60:00Z", "2026-11-20T10:00:61Z",
    "2026-11-20T10:00:00.Z", "2026-11-20T10:00:00+0530", "2026-11-20T10:00:00+24:00",
    "2026-11-20T10:00:00Zjunk", "2026/11/20T10:00:00Z", "2026-11-20X10:00:00Z",
    "２026-11-20T10:00:00Z", "2026-11-20T10:00:00+05:60",
  ])
  func refusesOtherTimestamps(text: String) {
    #expect(!Timestamp.isRFC3339(text))
  }
}
