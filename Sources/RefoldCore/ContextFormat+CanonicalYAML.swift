import Foundation

/// Writes the YAML-like lines of ``ContextFormat/yamlLines(_:indent:)`` straight from a
/// value's canonical JSON with no escapes in it (as ``EncodedData`` holds), without the
/// value's tree.
///
/// Such text has its keys in byte order and no string with a line break, a quote or a
/// backslash. Keys sort by their bytes here and as strings there, which agree for ASCII:
/// the writer gives up (returns false) at the first key that is not, and the caller writes
/// the value instead.
struct CanonicalYAMLWriter {
  let bytes: UnsafeBufferPointer<UInt8>
  var index = 0

  init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

  /// What ``ContextFormat/writeXMLBlock(_:into:)`` writes between the tags: nothing for an
  /// empty object or list, else a line break and the lines one level in.
  mutating func writeBlockBody(into output: inout [UInt8]) -> Bool {
    guard !bytes.isEmpty else { return false }
    if isEmptyContainer { return true }
    output.append(0x0A)
    return writeValue(indent: 1, into: &output)
  }

  /// Whether the value at `index` is `{}` or `[]`.
  private var isEmptyContainer: Bool {
    guard index + 1 < bytes.count else { return false }
    let open = bytes[index]
    let close = bytes[index + 1]
    return (open == UInt8(ascii: "{") && close == UInt8(ascii: "}"))
      || (open == UInt8(ascii: "[") && close == UInt8(ascii: "]"))
  }

  /// Whether the value at `index` is an object or a list with something in it.
  private var isFullContainer: Bool {
    guard index < bytes.count else { return false }
    let open = bytes[index]
    return (open == UInt8(ascii: "{") || open == UInt8(ascii: "[")) && !isEmptyContainer
  }

  private mutating func writeValue(indent: Int, into output: inout [UInt8]) -> Bool {
    guard index < bytes.count else { return false }
    switch bytes[index] {
    case UInt8(ascii: "{"):
      if passOpening(closing: UInt8(ascii: "}")) { return true }
      while index < bytes.count {
        guard let key = stringContent() else { return false }
        for position in key where bytes[position] >= 0x80 { return false }
        // Past the colon.
        index += 1
        writePad(indent, into: &output)
        output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[key]))
        if isFullContainer {
          output.append(contentsOf: ":\n".utf8)
          guard writeValue(indent: indent + 1, into: &output) else { return false }
        } else {
          output.append(contentsOf: ": ".utf8)
          guard writeScalarLine(into: &output) else { return false }
        }
        guard let closed = passSeparator(closing: UInt8(ascii: "}")) else { return false }
        if closed { return true }
      }
      return false
    case UInt8(ascii: "["):
      if passOpening(closing: UInt8(ascii: "]")) { return true }
      while index < bytes.count {
        if isFullContainer {
          // Its lines two spaces deeper, the first one's indentation ending in `- `.
          let start = output.count
          guard writeValue(indent: indent + 1, into: &output) else { return false }
          output[start + 2 * indent] = UInt8(ascii: "-")
        } else {
          writePad(indent, into: &output)
          output.append(contentsOf: "- ".utf8)
          guard writeScalarLine(into: &output) else { return false }
        }
        guard let closed = passSeparator(closing: UInt8(ascii: "]")) else { return false }
        if closed { return true }
      }
      return false
    default:
      writePad(indent, into: &output)
      return writeScalarLine(into: &output)
    }
  }

  /// Moves past a container's opening byte: true when `close` follows (an empty
  /// container, moved past too).
  private mutating func passOpening(closing close: UInt8) -> Bool {
    index += 1
    guard index < bytes.count, bytes[index] == close else { return false }
    index += 1
    return true
  }

  /// Moves past the byte after a member or an element: true when it is `close` (the
  /// container ends), false for a comma, nil when the text ends first.
  private mutating func passSeparator(closing close: UInt8) -> Bool? {
    guard index < bytes.count else { return nil }
    let separator = bytes[index]
    index += 1
    return separator == close
  }

  /// Writes the scalar at `index` (``writeScalar(into:)``) and a line break.
  private mutating func writeScalarLine(into output: inout [UInt8]) -> Bool {
    guard writeScalar(into: &output) else { return false }
    output.append(0x0A)
    return true
  }

  /// The bytes between the quotes of the string at `index`, moving past its closing quote.
  private mutating func stringContent() -> Range<Int>? {
    guard index < bytes.count, bytes[index] == UInt8(ascii: "\""),
      let base = bytes.baseAddress
    else { return nil }
    let start = index + 1
    guard let end = memchr(base + start, 0x22, bytes.count - start) else { return nil }
    let stop = UnsafePointer<UInt8>(end.assumingMemoryBound(to: UInt8.self)) - base
    index = stop + 1
    return start..<stop
  }

  /// Writes the scalar (or empty container) at `index` as ``ContextFormat/scalar(_:)``
  /// does, moving past it.
  private mutating func writeScalar(into output: inout [UInt8]) -> Bool {
    guard index < bytes.count else { return false }
    switch bytes[index] {
    case UInt8(ascii: "\""):
      let quote = index
      guard let content = stringContent() else { return false }
      if Self.needsQuotes(UnsafeBufferPointer(rebasing: bytes[content])) {
        // Canonical JSON of a string with nothing to escape: the text between quotes.
        output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[quote..<index]))
      } else {
        output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[content]))
      }
      return true
    case UInt8(ascii: "{"), UInt8(ascii: "["):
      guard isEmptyContainer else { return false }
      output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[index..<(index + 2)]))
      index += 2
      return true
    default:
      // A number, true, false or null: its canonical text as it stands.
      let start = index
      while index < bytes.count {
        let byte = bytes[index]
        if byte == UInt8(ascii: ",") || byte == UInt8(ascii: "}") || byte == UInt8(ascii: "]") {
          break
        }
        index += 1
      }
      guard index > start else { return false }
      output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<index]))
      return true
    }
  }

  /// The words a YAML reader would take for a boolean or null, each packed into a word a
  /// byte at a time (``ContextFormat``'s list, for texts of five ASCII bytes at most).
  private static let otherTypeWords: [UInt64] = ["true", "false", "null", "~", "yes", "no"].map {
    $0.utf8.reduce(0) { $0 << 8 | UInt64($1) }
  }

  private func writePad(_ indent: Int, into output: inout [UInt8]) {
    for _ in 0..<indent { output.append(contentsOf: "  ".utf8) }
  }

  /// ``ContextFormat/needsQuotes(_:)`` of the text `text` (with no line breaks, quotes or
  /// backslashes), read in place when it is ASCII.
  static func needsQuotes(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
    guard let first = text.first, let last = text.last else { return true }
    for byte in text where byte >= 0x80 {
      return ContextFormat.needsQuotes(String(decoding: text, as: UTF8.self))
    }
    // ASCII: each byte is a character, so a space or tab at either end is trimmed.
    if first == 0x20 || first == 0x09 || last == 0x20 || last == 0x09 { return true }
    if text.count <= 5 {
      var word: UInt64 = 0
      for byte in text {
        word = word << 8 | UInt64((0x41...0x5A).contains(byte) ? byte | 0x20 : byte)
      }
      if Self.otherTypeWords.contains(word) { return true }
    }
    if first == UInt8(ascii: "-") || (0x30...0x39).contains(first),
      text.allSatisfy(ContextFormat.isNumberByte),
      (try? JSONParser.parse(bytes: text))?.doubleValue != nil
    {
      return true
    }
    if text.count >= 2, first == UInt8(ascii: "-"), text[1] == 0x20 { return true }
    if text.count == 2,
      (first == UInt8(ascii: "{") && last == UInt8(ascii: "}"))
        || (first == UInt8(ascii: "[") && last == UInt8(ascii: "]"))
    {
      return true
    }
    return false
  }
}
