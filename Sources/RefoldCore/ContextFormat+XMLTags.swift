import Foundation

extension ContextFormat {
  /// One event as an XML-tag block: `<type>`, the data as indented YAML-like lines, `</type>`.
  ///
  /// ```
  /// <slack_message>
  ///   from: @alex
  ///   text: ship latest backend to prod
  /// </slack_message>
  /// ```
  public static func xmlBlock(_ event: Event) -> String {
    var output: [UInt8] = []
    writeXMLBlock(event, into: &output)
    return String(decoding: output, as: UTF8.self)
  }

  /// Appends the ``xmlBlock(_:)`` of `event` to `output`.
  ///
  /// A thread is rendered for every decision of every replay, so the block is written into
  /// one buffer rather than assembled from lines.
  static func writeXMLBlock(_ event: Event, into output: inout [UInt8]) {
    output.append(UInt8(ascii: "<"))
    output.append(contentsOf: event.type.utf8)
    output.append(UInt8(ascii: ">"))
    if let encoded = event.encodedData {
      let start = output.count
      let written = encoded.bytes.withUnsafeBufferPointer { bytes in
        var writer = CanonicalYAMLWriter(bytes: bytes)
        return writer.writeBlockBody(into: &output)
      }
      if written {
        output.append(contentsOf: "</".utf8)
        output.append(contentsOf: event.type.utf8)
        output.append(UInt8(ascii: ">"))
        return
      }
      output.removeSubrange(start...)
    }
    switch event.data {
    case .object(let members) where members.isEmpty: break
    case .array(let elements) where elements.isEmpty: break
    default:
      output.append(0x0A)
      writeYAML(event.data, indent: 1, into: &output)
    }
    output.append(contentsOf: "</".utf8)
    output.append(contentsOf: event.type.utf8)
    output.append(UInt8(ascii: ">"))
  }

  /// The YAML-like lines of a value, indented by `indent` levels of two spaces.
  ///
  /// Objects list `key: value` in key order; nested objects and lists go on the following
  /// lines, two spaces deeper; list elements start with `- `. Strings appear as they are,
  /// except those that would read as another type or lose whitespace, which are quoted.
  /// Multi-line strings use a `|` block.
  public static func yamlLines(_ value: JSONValue, indent: Int) -> [String] {
    let pad = String(repeating: "  ", count: indent)
    switch value {
    case .object(let members):
      var lines: [String] = []
      for key in members.keys.sorted() {
        lines.append(
          contentsOf: member(key, members[key, default: .null], pad: pad, indent: indent))
      }
      return lines
    case .array(let elements):
      var lines: [String] = []
      for element in elements {
        lines.append(contentsOf: listElement(element, pad: pad, indent: indent))
      }
      return lines
    case .string(let text) where text.contains("\n"):
      return text.split(separator: "\n", omittingEmptySubsequences: false).map { pad + $0 }
    default:
      return [pad + scalar(value)]
    }
  }

  private static func member(_ key: String, _ value: JSONValue, pad: String, indent: Int)
    -> [String]
  {
    switch value {
    case .object(let members) where !members.isEmpty:
      return [pad + key + ":"] + yamlLines(value, indent: indent + 1)
    case .array(let elements) where !elements.isEmpty:
      return [pad + key + ":"] + yamlLines(value, indent: indent + 1)
    case .string(let text) where text.contains("\n"):
      return [pad + key + ": |"] + yamlLines(value, indent: indent + 1)
    default:
      return [pad + key + ": " + scalar(value)]
    }
  }

  private static func listElement(_ value: JSONValue, pad: String, indent: Int) -> [String] {
    switch value {
    case .object(let members) where !members.isEmpty:
      return hanging(value, pad: pad, indent: indent)
    case .array(let elements) where !elements.isEmpty:
      return hanging(value, pad: pad, indent: indent)
    case .string(let text) where text.contains("\n"):
      return [pad + "- |"] + yamlLines(value, indent: indent + 1)
    default:
      return [pad + "- " + scalar(value)]
    }
  }

  /// A nested container as a list element: its first line follows the `- `.
  private static func hanging(_ value: JSONValue, pad: String, indent: Int) -> [String] {
    var lines = yamlLines(value, indent: indent + 1)
    guard !lines.isEmpty else { return [pad + "- " + scalar(value)] }
    let deeper = pad + "  "
    lines[0] = pad + "- " + lines[0].dropFirst(deeper.count)
    return lines
  }

  /// Appends the ``yamlLines(_:indent:)`` of `value` to `output`, each line ending in a
  /// line break.
  private static func writeYAML(_ value: JSONValue, indent: Int, into output: inout [UInt8]) {
    switch value {
    case .object(let members):
      for key in members.keys.sorted() {
        writeMember(key, members[key, default: .null], indent: indent, into: &output)
      }
    case .array(let elements):
      for element in elements {
        writeListElement(element, indent: indent, into: &output)
      }
    case .string(let text) where isMultiline(text):
      // Split by characters, as yamlLines does ("\r\n" is one character).
      for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
        writePad(indent, into: &output)
        output.append(contentsOf: line.utf8)
        output.append(0x0A)
      }
    default:
      writePad(indent, into: &output)
      writeScalar(value, into: &output)
      output.append(0x0A)
    }
  }

  private static func writeMember(
    _ key: String, _ value: JSONValue, indent: Int, into output: inout [UInt8]
  ) {
    writePad(indent, into: &output)
    output.append(contentsOf: key.utf8)
    switch value {
    case .object(let members) where !members.isEmpty:
      output.append(contentsOf: ":\n".utf8)
      writeYAML(value, indent: indent + 1, into: &output)
    case .array(let elements) where !elements.isEmpty:
      output.append(contentsOf: ":\n".utf8)
      writeYAML(value, indent: indent + 1, into: &output)
    case .string(let text) where isMultiline(text):
      output.append(contentsOf: ": |\n".utf8)
      writeYAML(value, indent: indent + 1, into: &output)
    default:
      output.append(contentsOf: ": ".utf8)
      writeScalar(value, into: &output)
      output.append(0x0A)
    }
  }

  private static func writeListElement(_ value: JSONValue, indent: Int, into output: inout [UInt8])
  {
    switch value {
    case .object(let members) where !members.isEmpty:
      writeHanging(value, indent: indent, into: &output)
    case .array(let elements) where !elements.isEmpty:
      writeHanging(value, indent: indent, into: &output)
    case .string(let text) where isMultiline(text):
      writePad(indent, into: &output)
      output.append(contentsOf: "- |\n".utf8)
      writeYAML(value, indent: indent + 1, into: &output)
    default:
      writePad(indent, into: &output)
      output.append(contentsOf: "- ".utf8)
      writeScalar(value, into: &output)
      output.append(0x0A)
    }
  }

  /// A non-empty container as a list element: its lines two spaces deeper, the first one's
  /// indentation ending in `- ` instead (the first line always starts with that indentation).
  private static func writeHanging(_ value: JSONValue, indent: Int, into output: inout [UInt8]) {
    let start = output.count
    writeYAML(value, indent: indent + 1, into: &output)
    output[start + 2 * indent] = UInt8(ascii: "-")
  }

  /// Whether `text` is written as a `|` block, as `yamlLines` decides it
  /// (`text.contains("\n")`), without the costly search when it has no line feed at all.
  private static func isMultiline(_ text: String) -> Bool {
    let hasLineFeed =
      text.utf8.withContiguousStorageIfAvailable { bytes in
        bytes.baseAddress.map { memchr($0, 0x0A, bytes.count) != nil } ?? false
      } ?? text.utf8.contains(0x0A)
    return hasLineFeed && text.contains("\n")
  }

  private static func writePad(_ indent: Int, into output: inout [UInt8]) {
    for _ in 0..<indent { output.append(contentsOf: "  ".utf8) }
  }

  private static func writeScalar(_ value: JSONValue, into output: inout [UInt8]) {
    switch value {
    case .string(let text):
      if needsQuotes(text) {
        value.writeCanonical(into: &output)
      } else {
        output.append(contentsOf: text.utf8)
      }
    case .object: output.append(contentsOf: "{}".utf8)
    case .array: output.append(contentsOf: "[]".utf8)
    default: value.writeCanonical(into: &output)
    }
  }

  /// A scalar (or an empty container) on one line.
  static func scalar(_ value: JSONValue) -> String {
    switch value {
    case .string(let text):
      return needsQuotes(text) ? value.canonicalString : text
    case .object: return "{}"
    case .array: return "[]"
    default: return value.canonicalString
    }
  }

  /// Whether `byte` may be part of a JSON number or the whitespace around it.
  static func isNumberByte(_ byte: UInt8) -> Bool {
    switch byte {
    case 0x30...0x39, UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "."), UInt8(ascii: "e"),
      UInt8(ascii: "E"), 0x20, 0x09, 0x0A, 0x0D:
      return true
    default:
      return false
    }
  }

  /// Words a YAML reader would take for a boolean or null.
  private static let otherTypeWords: Set<String> = ["true", "false", "null", "~", "yes", "no"]
  /// The words' first bytes (`~` is its own lowercase with the case bit set).
  private static let otherTypeInitials: [UInt8] = Array("tfn~y".utf8)

  static func needsQuotes(_ text: String) -> Bool {
    if text.isEmpty { return true }
    // Only a text that starts or ends with a space or tab can lose one to trimming.
    func isSpaceOrTab(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }
    if let first = text.utf8.first, let last = text.utf8.last,
      isSpaceOrTab(first) || isSpaceOrTab(last), text != text.trimmingSpaces
    {
      return true
    }
    // A text of more than 20 bytes has more than five scalars, so it cannot lowercase to
    // one of these words (the checks are costly, and most texts are neither).
    // Lowercasing costs an allocation; a text whose first byte is ASCII lowercases to a word
    // only when that byte is one of the words' first letters, in either case.
    if text.utf8.count <= 20, let head = text.utf8.first,
      head >= 0x80 || otherTypeInitials.contains(head | 0x20),
      otherTypeWords.contains(text.lowercased())
    {
      return true
    }
    // A JSON number starts with a digit or a minus sign (after JSON whitespace), and holds
    // nothing but digits, signs, a point, an exponent and JSON whitespace: a text with any
    // other byte (a date, a version) is not parsed to find out.
    let first = text.utf8.first { !isSpaceOrTab($0) && $0 != 0x0A && $0 != 0x0D }
    if let first, first == UInt8(ascii: "-") || (0x30...0x39).contains(first),
      text.utf8.allSatisfy(isNumberByte), (try? JSONParser.parse(text))?.doubleValue != nil
    {
      return true
    }
    if text.hasPrefix("- ") || text.hasPrefix("\"") || text == "{}" || text == "[]" { return true }
    return false
  }
}

extension String {
  fileprivate var trimmingSpaces: Substring {
    var slice = Substring(self)
    while let first = slice.first, first == " " || first == "\t" { slice.removeFirst() }
    while let last = slice.last, last == " " || last == "\t" { slice.removeLast() }
    return slice
  }
}
