/// Renders a thread for a model: `xml-tags`, `json-events` or `chat-messages` (factor 3).
///
/// Pure functions of the events and the options: no I/O, no clock, no randomness, so the same
/// thread always gives the same bytes (and the same cassette key).
///
/// ```swift
/// let options = ContextFormat.Options(vocabulary: spec.vocabulary)
/// let rendered = ContextFormat.render(events, as: .xmlTags, options: options)
/// print(rendered.transcript)
/// ```
public enum ContextFormat {
  /// What the renderers need besides the events.
  public struct Options: Sendable, Hashable {
    /// Classifies events into inputs, decisions, results and errors.
    public var vocabulary: Vocabulary
    /// Leave out errors that a later successful result of the same intent made irrelevant,
    /// together with the failed call they answered.
    public var hidesResolvedErrors: Bool

    public init(vocabulary: Vocabulary = .default, hidesResolvedErrors: Bool = false) {
      self.vocabulary = vocabulary
      self.hidesResolvedErrors = hidesResolvedErrors
    }
  }

  /// A rendered thread: text for the text formats, messages for `chat-messages`.
  public enum Rendered: Sendable, Hashable {
    case text(String)
    case messages([Message])

    /// A readable form for reports and diffs: the text, or one block per message.
    public var transcript: String {
      switch self {
      case .text(let text): return text
      case .messages(let messages): return messages.map(\.transcript).joined(separator: "\n")
      }
    }
  }

  /// Renders `events` in the format `kind`.
  public static func render(
    _ events: [Event], as kind: ContextFormatKind, options: Options = Options()
  ) -> Rendered {
    switch kind {
    case .xmlTags: return .text(xmlTags(events, options: options))
    case .jsonEvents: return .text(jsonEvents(events, options: options))
    case .chatMessages: return .messages(chatMessages(events, options: options))
    }
  }

  /// One `<type>` block per event, the data as YAML-like `key: value` lines; blocks are
  /// separated by a blank line.
  public static func xmlTags(_ events: [Event], options: Options = Options()) -> String {
    var output: [UInt8] = []
    output.reserveCapacity(128 * events.count)
    for (offset, event) in visibleEvents(events, options: options).enumerated() {
      if offset > 0 { output.append(contentsOf: "\n\n".utf8) }
      writeXMLBlock(event, into: &output)
    }
    return String(decoding: output, as: UTF8.self)
  }

  /// One JSON object per event per line: `{"type":…,"data":…}` with canonical data.
  public static func jsonEvents(_ events: [Event], options: Options = Options()) -> String {
    visibleEvents(events, options: options).map { event in
      var output: [UInt8] = []
      output.append(contentsOf: #"{"type":"#.utf8)
      JSONValue.writeString(event.type, into: &output)
      output.append(contentsOf: #","data":"#.utf8)
      if let encoded = event.encodedData {
        output.append(contentsOf: encoded.bytes)
      } else {
        event.data.writeCanonical(into: &output)
      }
      output.append(UInt8(ascii: "}"))
      return String(decoding: output, as: UTF8.self)
    }.joined(separator: "\n")
  }

  /// The events the model is shown: all of them, or without resolved errors and the failed
  /// calls they answered when ``Options/hidesResolvedErrors`` is set.
  ///
  /// An error is resolved when a later `<intent>_result` of the intent it names (its
  /// `data.intent`) follows it. The failed call is the decision of that intent directly
  /// before the error (with only its approval in between).
  public static func visibleEvents(_ events: [Event], options: Options) -> [Event] {
    guard options.hidesResolvedErrors else { return events }
    let classes = options.vocabulary.classify(events)
    return visibleIndices(events, classes: classes, options: options).map { events[$0] }
  }

  /// The indices of ``visibleEvents(_:options:)`` in `events`, whose classes are `classes`.
  static func visibleIndices(_ events: [Event], classes: [EventClass], options: Options) -> [Int] {
    guard options.hidesResolvedErrors else { return Array(events.indices) }
    var hidden = Set<Int>()
    for (index, eventClass) in classes.enumerated() where eventClass == .error {
      guard let intent = events[index].data["intent"]?.stringValue else { continue }
      let canonical = options.vocabulary.canonicalType(intent)
      let resolved = classes[(index + 1)...].contains { $0 == .result(intent: canonical) }
      guard resolved else { continue }
      hidden.insert(index)
      var previous = index - 1
      while previous >= 0 {
        if case .decision(let decided, _) = classes[previous] {
          if decided == canonical { hidden.insert(previous) }
          break
        }
        if !options.vocabulary.isApproval(events[previous].type) { break }
        hidden.insert(previous)
        previous -= 1
      }
    }
    return events.indices.filter { !hidden.contains($0) }
  }

  /// The deterministic tool-call id of the decision at `seq` in `thread`:
  /// `call_<8 hex digits of the thread's FNV-1a hash>_<seq>`.
  ///
  /// Short and made of `[A-Za-z0-9_]` only, which every provider accepts.
  public static func toolCallID(thread: String, seq: Int) -> String {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in thread.utf8 {
      hash ^= UInt64(byte)
      hash = hash &* 0x0000_0100_0000_01b3
    }
    let folded = UInt32(truncatingIfNeeded: hash ^ (hash >> 32))
    let hex = String(folded, radix: 16)
    return "call_" + String(repeating: "0", count: 8 - hex.count) + hex + "_\(seq)"
  }
}
