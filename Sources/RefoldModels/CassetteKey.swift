import Crypto
import Foundation
import RefoldCore

/// The cassette key of a request: SHA-256 (hex) of its canonical form.
///
/// The canonical request is the whole body minus ``transportFields``, the few fields that
/// cannot change the answer (`stream`, `stream_options`, `user`, `metadata`, `store`,
/// `service_tier`, `prompt_cache_key`, `prompt_cache_retention`, `safety_identifier`);
/// every other field, including ones Refold has never heard of, is kept. It is written as
/// canonical JSON (sorted keys, no insignificant whitespace, stable numbers).
///
/// This is key scheme ``scheme`` (2). Scheme 1 kept only ``legacyFields``; a request made
/// of those fields (and transport fields) has the same key under both schemes, so every
/// request Refold builds itself kept its key.
///
/// ```swift
/// let key = CassetteKey.key(for: request.body)  // "3f2a…" (64 hex digits)
/// ```
public enum CassetteKey {
  /// The key scheme cassette lines written now carry (`key_scheme`); lines without one are
  /// scheme 1.
  public static let scheme = 2

  /// The request fields left out of the key: they choose how the answer is delivered,
  /// billed, cached or attributed, never what it says.
  public static let transportFields: Set<String> = [
    "stream", "stream_options", "user", "metadata", "store", "service_tier",
    "prompt_cache_key", "prompt_cache_retention", "safety_identifier",
  ]

  /// The only fields key scheme 1 kept.
  public static let legacyFields: Set<String> = [
    "model", "messages", "system", "prompt", "tools", "tool_choice", "response_format",
    "temperature", "top_p", "max_tokens", "seed",
  ]

  /// Whether a top-level request field is part of the key.
  public static func isKeyed(_ field: String) -> Bool { !transportFields.contains(field) }

  /// The request without its transport fields.
  public static func canonicalRequest(_ body: JSONValue) -> JSONValue {
    guard let members = body.objectValue else { return body }
    return .object(members.filter { isKeyed($0.key) })
  }

  /// The key key scheme 1 gave `body`: SHA-256 of only its ``legacyFields``.
  public static func legacyKey(for body: JSONValue) -> String {
    guard let members = body.objectValue else { return key(for: body) }
    var bytes: [UInt8] = []
    JSONValue.object(members.filter { legacyFields.contains($0.key) }).writeCanonical(
      into: &bytes)
    return key(canonicalBytes: bytes)
  }

  /// The keyed fields of `body` that key scheme 1 left out, sorted; empty when both
  /// schemes give it the same key.
  public static func fieldsMissingFromLegacyKey(_ body: JSONValue) -> [String] {
    (body.objectValue ?? [:]).keys.filter { isKeyed($0) && !legacyFields.contains($0) }.sorted()
  }

  /// The canonical string that is hashed.
  public static func canonicalString(_ body: JSONValue) -> String {
    canonicalRequest(body).canonicalString
  }

  /// The key: lowercase hex SHA-256 of ``canonicalString(_:)``.
  public static func key(for body: JSONValue) -> String {
    var bytes: [UInt8] = []
    canonicalRequest(body).writeCanonical(into: &bytes)
    return key(canonicalBytes: bytes)
  }

  /// Lowercase hex SHA-256 of `bytes` as they are: the key of a request written in its
  /// canonical form with only the deciding fields, as recorded cassette lines are.
  static func key(rawBytes bytes: UnsafeBufferPointer<UInt8>) -> String {
    hex(SHA256.hash(data: UnsafeRawBufferPointer(bytes)))
  }

  /// Lowercase hex SHA-256 of canonical request bytes.
  static func key(canonicalBytes bytes: [UInt8]) -> String {
    hex(SHA256.hash(data: bytes))
  }

  /// Lowercase hex of a digest.
  static func hex(_ digest: SHA256.Digest) -> String {
    var hex: [UInt8] = []
    hex.reserveCapacity(2 * SHA256.byteCount)
    for byte in digest {
      hex.append(hexDigits[Int(byte >> 4)])
      hex.append(hexDigits[Int(byte & 0x0F)])
    }
    return String(decoding: hex, as: UTF8.self)
  }

  private static let hexDigits = Array("0123456789abcdef".utf8)

  /// Keys of request bodies that share most of their members, such as every request one
  /// ``RequestBuilder`` makes (same model, sampling and tools; other messages).
  ///
  /// The canonical bytes of the shared members are written once; each key then writes only
  /// the members that vary and hashes the same bytes ``CassetteKey/key(for:)`` would.
  struct SharedMembers: Sendable {
    /// The shared members that are keyed, canonical, in key order.
    private let written: [(key: String, bytes: [UInt8])]
    /// The bytes of the shared members (to size the buffer).
    private let sharedSize: Int

    init(_ members: [String: JSONValue]) {
      var written: [(key: String, bytes: [UInt8])] = []
      for (key, value) in members where CassetteKey.isKeyed(key) {
        var bytes: [UInt8] = []
        JSONValue.writeString(key, into: &bytes)
        bytes.append(UInt8(ascii: ":"))
        value.writeCanonical(into: &bytes)
        written.append((key, bytes))
      }
      written.sort { JSONValue.bytesPrecede($0.key, $1.key) }
      self.written = written
      self.sharedSize = written.reduce(0) { $0 + $1.bytes.count + 1 }
    }

    /// The key of the body made of the shared members and `varying` (whose values win
    /// where both have a key).
    func key(adding varying: [String: JSONValue]) -> String {
      CassetteKey.key(canonicalBytes: canonicalBytes(adding: varying))
    }

    /// The canonical bytes of the body made of the shared members and `varying`.
    func canonicalBytes(adding varying: [String: JSONValue]) -> [UInt8] {
      let added = varying.filter { CassetteKey.isKeyed($0.key) }
        .sorted { JSONValue.bytesPrecede($0.key, $1.key) }
      var bytes: [UInt8] = []
      // Room for the shared members and a prompt of a few pages.
      bytes.reserveCapacity(sharedSize + 16_384)
      bytes.append(UInt8(ascii: "{"))
      var next = 0
      var first = true
      func separate() {
        if !first { bytes.append(UInt8(ascii: ",")) }
        first = false
      }
      for member in written where varying[member.key] == nil {
        while next < added.count, JSONValue.bytesPrecede(added[next].key, member.key) {
          separate()
          JSONValue.writeString(added[next].key, into: &bytes)
          bytes.append(UInt8(ascii: ":"))
          added[next].value.writeCanonical(into: &bytes)
          next += 1
        }
        separate()
        bytes.append(contentsOf: member.bytes)
      }
      while next < added.count {
        separate()
        JSONValue.writeString(added[next].key, into: &bytes)
        bytes.append(UInt8(ascii: ":"))
        added[next].value.writeCanonical(into: &bytes)
        next += 1
      }
      bytes.append(UInt8(ascii: "}"))
      return bytes
    }
  }

  /// Keys of bodies that differ only in one text, inserted as it is into their strings at
  /// the same places: the requests of one ``RequestBuilder`` whose prompt differs only in
  /// the thread.
  ///
  /// JSON escapes a string byte by byte, so the canonical body for a text is the same
  /// pieces around the escaped text each time. The pieces are written once, and SHA-256 of
  /// the first one (most of the prompt, when the thread comes last) is kept: a key hashes
  /// only the escaped text and the pieces after it.
  struct Spliced: Sendable {
    private let start: SHA256
    private let pieces: Pieces

    /// The canonical body's bytes around the text, shared by every request's
    /// ``RequestBody``.
    final class Pieces: Sendable {
      let first: [UInt8]
      let rest: [[UInt8]]

      init(first: [UInt8], rest: [[UInt8]]) {
        self.first = first
        self.rest = rest
      }
    }

    /// Splits the canonical bodies `body(text)` around the text; nil unless the pieces
    /// give back the body for two other texts too, the empty one included.
    init?(_ body: (String) -> [UInt8]) {
      let marks = ["\u{1}Refold-Text-A\u{2}", "\u{1}Refold-Text-B\u{2}", ""]
      let pieces = Self.split(body(marks[0]), at: Self.escaped(marks[0]))
      guard pieces.count > 1 else { return nil }
      for mark in marks.dropFirst() {
        let escaped = Self.escaped(mark)
        var joined = pieces[0]
        for piece in pieces.dropFirst() { joined += escaped + piece }
        guard joined == body(mark) else { return nil }
      }
      var start = SHA256()
      start.update(data: pieces[0])
      self.start = start
      self.pieces = Pieces(first: pieces[0], rest: Array(pieces.dropFirst()))
    }

    /// The key of the body for `text`.
    func key(inserting text: String) -> String {
      keyAndBody(inserting: text).key
    }

    /// The key of the body for `text`, and the body's bytes as pieces to compare with.
    func keyAndBody(inserting text: String) -> (key: String, body: RequestBody) {
      var literal: [UInt8] = []
      JSONValue.writeString(text, into: &literal)
      var hasher = start
      literal.withUnsafeBytes { bytes in
        // The escaped text, without the literal's quotes.
        let escaped = UnsafeRawBufferPointer(rebasing: bytes[1..<(bytes.count - 1)])
        for piece in pieces.rest {
          hasher.update(bufferPointer: escaped)
          hasher.update(data: piece)
        }
      }
      return (CassetteKey.hex(hasher.finalize()), RequestBody(pieces: pieces, literal: literal))
    }

    /// The escaped UTF-8 of `text` inside a JSON string literal (without the quotes).
    private static func escaped(_ text: String) -> [UInt8] {
      var literal: [UInt8] = []
      JSONValue.writeString(text, into: &literal)
      return Array(literal.dropFirst().dropLast())
    }

    /// The bytes between the occurrences of `mark` in `bytes`.
    private static func split(_ bytes: [UInt8], at mark: [UInt8]) -> [[UInt8]] {
      var pieces: [[UInt8]] = []
      var start = 0
      var index = 0
      while index + mark.count <= bytes.count {
        if bytes[index..<index + mark.count].elementsEqual(mark) {
          pieces.append(Array(bytes[start..<index]))
          index += mark.count
          start = index
        } else {
          index += 1
        }
      }
      pieces.append(Array(bytes[start...]))
      return pieces
    }
  }
}

/// The canonical bytes of a request's body, kept as the pieces they were hashed from: a
/// recorded request's bytes are checked against them with a comparison, not a hash.
///
/// Not part of a request's value: two requests are equal by their bodies, whatever this
/// holds (``ModelRequest`` ignores it in `==` and `hash(into:)`).
struct RequestBody: Sendable, Hashable {
  private let pieces: CassetteKey.Spliced.Pieces?
  /// The text's JSON string literal, quotes included.
  private let literal: [UInt8]

  init(pieces: CassetteKey.Spliced.Pieces, literal: [UInt8]) {
    self.pieces = pieces
    self.literal = literal
  }

  /// No bytes known: matches nothing.
  static let unknown = RequestBody()

  private init() {
    pieces = nil
    literal = []
  }

  /// Whether `bytes` are exactly this body's canonical bytes.
  func matches(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    prefixLength(of: bytes) == bytes.count
  }

  /// The length of this body's canonical bytes when `bytes` start with them; nil when they
  /// do not, or when no bytes are known.
  func prefixLength(of bytes: UnsafeBufferPointer<UInt8>) -> Int? {
    guard let pieces, literal.count >= 2 else { return nil }
    return literal.withUnsafeBufferPointer { literal -> Int? in
      let escaped = UnsafeBufferPointer(rebasing: literal[1..<(literal.count - 1)])
      var expected = pieces.first.count
      for piece in pieces.rest { expected += escaped.count + piece.count }
      guard bytes.count >= expected else { return nil }
      var offset = 0
      func next(_ part: UnsafeBufferPointer<UInt8>) -> Bool {
        defer { offset += part.count }
        guard let base = bytes.baseAddress, let other = part.baseAddress, !part.isEmpty else {
          return true
        }
        return memcmp(base + offset, other, part.count) == 0
      }
      guard pieces.first.withUnsafeBufferPointer(next) else { return nil }
      for piece in pieces.rest {
        guard next(escaped), piece.withUnsafeBufferPointer(next) else { return nil }
      }
      return expected
    }
  }

  static func == (_: RequestBody, _: RequestBody) -> Bool { true }
  func hash(into hasher: inout Hasher) {}
}
