import Testing

@testable import RefoldCore
@testable import RefoldShared

/// An event read from a line keeps its `data`'s canonical bytes only when they are exactly
/// its canonical JSON, and the writers that copy them write what encoding `data` writes.
@Suite struct EncodedDataTests {
  static func holdsFraction(_ value: JSONValue) -> Bool {
    switch value {
    case .double: return true
    case .array(let elements): return elements.contains(where: holdsFraction)
    case .object(let members): return members.values.contains(where: holdsFraction)
    case .null, .bool, .int, .string: return false
    }
  }

  static func parse(_ line: String) throws -> (EventLine, EncodedData?) {
    let bytes = Array(line.utf8)
    var encoded: EncodedData?
    let parsed = try bytes.withUnsafeBufferPointer { buffer in
      try EventLine.parse(bytes: buffer, encodedData: &encoded)
    }
    return (parsed, encoded)
  }

  @Test(arguments: 0..<4)
  func keptBytesAreTheCanonicalJSONAndEncodeAsDataDoes(seed: UInt64) throws {
    var generator = JSONValueGenerator(seed: seed + 900)
    var kept = 0
    var keptWithFraction = 0
    for round in 0..<400 {
      let value = generator.value()
      let canonical = value.canonicalString
      let text = round % 3 == 0 ? generator.noisy(value) : canonical
      let (line, encoded) = try Self.parse(
        #"{"thread":"t","seq":0,"type":"x","data":"# + text + #"}"#)
      if text != canonical { #expect(encoded == nil, "\(text) kept as canonical") }
      guard let encoded else { continue }
      kept += 1
      #expect(String(decoding: encoded.bytes, as: UTF8.self) == canonical)
      #expect(encoded.hasFraction == Self.holdsFraction(line.data))
      if encoded.hasFraction { keptWithFraction += 1 }

      let plain = line.event(seq: 0)
      var read = plain
      read.encodedData = encoded
      #expect(read == plain)
      #expect(read.hashValue == plain.hashValue)
      let copied = try #require(CompactThread([read, plain]))
      let written = try #require(CompactThread([plain, plain]))
      #expect(copied.bytes == written.bytes, "data \(canonical)")
      #expect(copied.eventEnds == written.eventEnds)
    }
    #expect(kept > 100)
    #expect(keptWithFraction > 10)
  }

  @Test func changingDataDropsTheKeptBytes() throws {
    let (line, encoded) = try Self.parse(#"{"thread":"t","type":"x","data":{"a":1}}"#)
    var event = line.event(seq: 0)
    event.encodedData = try #require(encoded)
    event.data = .object(["b": .int(2)])
    #expect(event.encodedData == nil)
    let written = try #require(CompactThread([event]))
    #expect(written.bytes == Array(#"[{"data":{"b":2},"seq":0,"thread":"t","type":"x"}]"#.utf8))
  }

  @Test func dataWrittenWithWhitespaceOrEscapesIsNotKept() throws {
    for data in [#"{"a": 1}"#, #"{"b":1,"a":2}"#, #""\u0041""#, #""a\/b""#, "1.0", "-0", "1E5"] {
      let (_, encoded) = try Self.parse(#"{"thread":"t","type":"x","data":"# + data + "}")
      #expect(encoded == nil, "\(data) kept")
    }
  }
}

/// The context formats render an event from its kept bytes as they render its data.
@Suite struct EncodedDataContextTests {
  /// Texts a YAML reader could take for something else, and their plain neighbours.
  static let texts = [
    "", "true", "True", "FALSE", "null", "Null", "~", "yes", "YES", "no", "No", "nos", "0", "-1",
    "1.5", "-0.25e3", "1e5", "1E+5", "0x10", "1.2.3", "- a", "-a", "--", "-", " lead", "trail ",
    "\t", "{}", "[]", "{", "a: b", "#x", "plain", "v2.9.3", "2026-11-20T10:00:00Z", "é", "né ",
    " é", "中文", "<&>", "a\u{301}",
  ]

  static func value(_ generator: inout JSONValueGenerator, depth: Int = 0) -> JSONValue {
    let texts = Self.texts
    switch generator.below(depth >= 3 ? 4 : 6) {
    case 0: return .string(texts[generator.below(texts.count)])
    case 1: return .int(generator.int())
    case 2: return generator.chance(50) ? .bool(generator.chance(50)) : .null
    case 3: return .double(generator.double())
    case 4:
      let count = generator.below(4)
      return .array((0..<count).map { _ in value(&generator, depth: depth + 1) })
    default:
      var members: [String: JSONValue] = [:]
      for _ in 0..<generator.below(5) {
        let key =
          generator.chance(90)
          ? ["a", "b", "Key", "z_1", "-x", "10"][generator.below(6)]
          : texts[generator.below(texts.count)]
        members[key] = value(&generator, depth: depth + 1)
      }
      return .object(members)
    }
  }

  @Test(arguments: 0..<4)
  func blocksFromKeptBytesAreTheBlocksOfTheData(seed: UInt64) throws {
    var generator = JSONValueGenerator(seed: seed + 7000)
    var kept = 0
    for round in 0..<600 {
      let value = round % 4 == 0 ? generator.value() : Self.value(&generator)
      let line = #"{"thread":"t","seq":0,"type":"note","data":"# + value.canonicalString + "}"
      let (parsed, encoded) = try EncodedDataTests.parse(line)
      guard let encoded else { continue }
      kept += 1
      let plain = parsed.event(seq: 0)
      var read = plain
      read.encodedData = encoded
      #expect(
        ContextFormat.xmlBlock(read) == ContextFormat.xmlBlock(plain),
        "data \(value.canonicalString)")
      #expect(ContextFormat.jsonEvents([read]) == ContextFormat.jsonEvents([plain]))
    }
    #expect(kept > 300)
  }
}
