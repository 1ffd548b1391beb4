import Foundation
import RefoldCore
import RefoldShared

/// Builds `report.html`'s data block from an evaluation's threads as they finish, holding
/// only bounded state: the string and thread tables, the intents seen, and where each
/// case's row and each thread's timeline are in spool files.
///
/// The block is the one ``HTMLReportWriter`` describes, byte for byte what the whole runs
/// give: the details that depend on the whole run (which passing cases the variants decided
/// differently, the parameter table, the detail and timeline budgets) are decided when it is
/// written, from what was spooled. Threads arrive a variant at a time (the first variant's
/// first), each variant's in the order its cases first name them, a thread's cases together.
///
/// Only the timelines the page can embed are rendered: the page takes the failing threads'
/// timelines, then the passing ones', each group in table order until the first that does
/// not fit (see ``selectTimelines()``), so once a group's timelines add up to more than the
/// whole budget, none of its later threads can be taken and none is rendered.
final class HTMLDataBuilder {
  private var block: HTMLReportWriter.DataBlock
  private let maxDetailBytes: Int
  private let maxTimelineEvents: Int
  private let maxTimelineBytes: Int
  private let variantCount: Int
  /// Each case's row, in case order: one template, or two (as is, and as decided
  /// differently) when the evaluation has several variants.
  private let rows: SpoolFile
  /// Each case's candidate entry in the parameter table.
  private let parameters: SpoolFile
  private var caseCount = 0
  /// Each thread's timeline, its events with the type's string index left out.
  private let timelines: SpoolFile
  private var timelinePlaces: [String: TimelinePlace] = [:]
  private var eventTypes: [String] = []
  private var eventTypeIndex: [String: Int] = [:]
  private var failingThreads: Set<String> = []
  /// What the timelines rendered so far in the first variant hold, failing threads' and
  /// passing threads' apart, counting each without its types' indexes (never more than it
  /// embeds as).
  private var failingTally = TimelineTally()
  private var passingTally = TimelineTally()
  /// A timeline's record as it is built, reused from thread to thread.
  private var record: [UInt8] = []
  /// For several variants: each case id's decisions (how many, the first, all the same).
  private var decisions: [String: (count: Int, first: String, same: Bool)] = [:]
  /// The expected and actual intents of every case, for the table's filter.
  private(set) var intents: Set<String> = []

  /// Where a thread's timeline is spooled and what its size needs once the types' string
  /// indexes are known.
  private struct TimelinePlace {
    var offset: UInt64
    var length: Int
    var events: Int
    /// The timeline's bytes without the types' indexes.
    var bytes: Int
    /// The event types in the order they first occur, each with how many events have it.
    var types: [(type: Int, count: Int)]
  }

  /// Events and bytes of the timelines rendered in one group.
  private struct TimelineTally {
    var events = 0
    var bytes = 0

    /// Whether the group's timelines hold more than the whole budget: every later timeline
    /// of the group comes after one that does not fit.
    func spent(events maxEvents: Int, bytes maxBytes: Int) -> Bool {
      events > maxEvents || bytes > maxBytes
    }
  }

  init(writer: HTMLReportWriter, variants: Int) throws(ReportError) {
    block = HTMLReportWriter.DataBlock(
      maxText: writer.maxEmbeddedText, parameterBudget: HTMLReportWriter.maxParameterBytes)
    maxDetailBytes = writer.maxDetailBytes
    maxTimelineEvents = writer.maxTimelineEvents
    maxTimelineBytes = writer.maxTimelineBytes
    variantCount = variants
    rows = try SpoolFile(holding: "report-rows")
    parameters = try SpoolFile(holding: "report-parameters")
    timelines = try SpoolFile(holding: "report-timelines")
  }

  /// Adds one thread of the variant at `variant`: its cases' rows and its timeline.
  func add(variant: Int, _ thread: ThreadCases) throws(ReportError) {
    if !thread.events.isEmpty, timelinePlaces[thread.thread] == nil,
      rendersTimeline(variant: variant, thread)
    {
      let place = try spoolTimeline(thread.thread, thread.events)
      if variant == 0 {
        if thread.cases.contains(where: { !$0.passed }) {
          failingTally.events += place.events
          failingTally.bytes += place.bytes
        } else {
          passingTally.events += place.events
          passingTally.bytes += place.bytes
        }
      }
    }
    for result in thread.cases {
      try add(result, variant: variant)
    }
  }

  /// Whether a thread's timeline may be embedded, as far as the threads met so far tell.
  ///
  /// In the first variant threads arrive in table order, so a thread failing there that
  /// comes after failing threads holding more than the budget cannot be taken; with one
  /// variant the same holds for a passing thread after passing ones, and a thread without
  /// cases is never in the table. With several variants a thread passing in the first may
  /// fail in another, or be named by another's cases, so it is rendered.
  private func rendersTimeline(variant: Int, _ thread: ThreadCases) -> Bool {
    guard variant == 0 else { return true }
    if thread.cases.contains(where: { !$0.passed }) {
      return !failingTally.spent(events: maxTimelineEvents, bytes: maxTimelineBytes)
    }
    guard variantCount == 1 else { return true }
    return !thread.cases.isEmpty
      && !passingTally.spent(events: maxTimelineEvents, bytes: maxTimelineBytes)
  }

  private func add(_ result: CaseResult, variant: Int) throws(ReportError) {
    caseCount += 1
    if let name = result.expected?.name { intents.insert(name) }
    if let name = result.actual?.name { intents.insert(name) }
    if !result.passed { failingThreads.insert(result.thread) }
    // The parameter table's candidate: passing cases with an intent, unless the variants
    // turn out to have decided them differently.
    if result.passed, result.expected != nil || result.actual != nil {
      let candidate = block.parameterCandidate(
        expected: result.expected?.parameters, actual: result.actual?.parameters)
      try parameters.append(integer: 1)
      try parameters.append(integer: candidate.key.count)
      try parameters.append(candidate.key)
      try parameters.append(integer: candidate.entry.count)
      try parameters.append(candidate.entry)
    } else {
      try parameters.append(integer: 0)
    }
    if variantCount > 1 {
      let decision =
        result.verdict.rawValue + " " + (result.actual?.name ?? "")
        + " " + (result.actual?.parameters.canonicalString ?? "")
      if let seen = decisions[result.id] {
        decisions[result.id] = (seen.count + 1, seen.first, seen.same && seen.first == decision)
      } else {
        decisions[result.id] = (1, decision, true)
      }
      let id = Array(result.id.utf8)
      try parameters.append(integer: id.count)
      try parameters.append(id)
    }
    let plain = block.row(result, variant: variant, differs: false)
    if variantCount > 1 {
      try rows.append(integer: 2)
      try plain.spooled(into: rows)
      try block.row(result, variant: variant, differs: true).spooled(into: rows)
    } else {
      try rows.append(integer: 1)
      try plain.spooled(into: rows)
    }
  }

  private func spoolTimeline(_ name: String, _ events: [Event]) throws(ReportError)
    -> TimelinePlace
  {
    var bytes = 2 + max(0, events.count - 1)
    var types: [(type: Int, count: Int)] = []
    let offset = timelines.size
    record.removeAll(keepingCapacity: true)
    for event in events {
      let type: Int
      if let known = eventTypeIndex[event.type] {
        type = known
      } else {
        type = eventTypes.count
        eventTypes.append(event.type)
        eventTypeIndex[event.type] = type
      }
      // A thread has a few types: a look along the list is quicker than a table.
      if let position = types.firstIndex(where: { $0.type == type }) {
        types[position].count += 1
      } else {
        types.append((type, 1))
      }
      // The event's bytes before its type's index, then after it, each with its length.
      let headStart = record.count
      SpoolFile.append(integer: type, to: &record)
      SpoolFile.append(integer: 0, to: &record)
      record.append(UInt8(ascii: "["))
      Escaping.appendDecimal(event.seq, to: &record)
      record.append(UInt8(ascii: ","))
      let head = record.count - headStart - 16
      Self.store(head, at: headStart + 8, in: &record)
      let tailStart = record.count
      SpoolFile.append(integer: 0, to: &record)
      record.append(UInt8(ascii: ","))
      block.appendEmbedded(event.data, encoded: event.encodedData, to: &record)
      record.append(UInt8(ascii: ","))
      if let at = event.at {
        Escaping.appendScriptSafeJSONString(at, to: &record)
      } else {
        record.append(UInt8(ascii: "0"))
      }
      record.append(UInt8(ascii: ","))
      if let meta = event.meta {
        block.appendEmbedded(meta, to: &record)
      } else {
        record.append(UInt8(ascii: "0"))
      }
      record.append(UInt8(ascii: "]"))
      let tail = record.count - tailStart - 8
      Self.store(tail, at: tailStart, in: &record)
      bytes += head + tail
    }
    try timelines.append(record)
    let place = TimelinePlace(
      offset: offset, length: record.count, events: events.count, bytes: bytes, types: types)
    timelinePlaces[name] = place
    return place
  }

  /// Overwrites the 8 bytes at `offset` with `value`, little-endian.
  private static func store(_ value: Int, at offset: Int, in bytes: inout [UInt8]) {
    var remaining = UInt64(bitPattern: Int64(value))
    for index in offset..<(offset + 8) {
      bytes[index] = UInt8(truncatingIfNeeded: remaining)
      remaining >>= 8
    }
  }

  /// Writes the data block to `output`, safe inside `<script type="application/json">`.
  ///
  /// - Parameter variants: the variants' names, in the evaluation's order.
  func finish(variants: [String], into output: ([UInt8]) throws -> Void) throws {
    // Which cases the variants decided differently, and the parameter table: the parameters
    // of the cases that keep no details come first, so that every case can be found by its
    // parameters; what the table needs past its reserve is taken from the contexts' budget
    // (a context left out is still in results.json).
    var differs: [Bool] = []
    differs.reserveCapacity(caseCount)
    var entries: [Int32] = []
    entries.reserveCapacity(caseCount)
    var reader = try parameters.reader()
    for _ in 0..<caseCount {
      let isCandidate = try reader.integer() == 1
      var key: ArraySlice<UInt8> = []
      var entry: ArraySlice<UInt8> = []
      if isCandidate {
        key = try reader.bytes(try reader.integer())
        entry = try reader.bytes(try reader.integer())
      }
      var differing = false
      if variantCount > 1 {
        let id = String(decoding: try reader.bytes(try reader.integer()), as: UTF8.self)
        if let seen = decisions[id] { differing = seen.count != variantCount || !seen.same }
      }
      differs.append(differing)
      guard isCandidate, !differing else {
        entries.append(-1)
        continue
      }
      entries.append(Int32(block.parameterEntry(key: key, entry: entry) ?? -1))
    }
    decisions = [:]
    var detailBudget = max(
      0,
      maxDetailBytes - max(0, block.parameterBytes - HTMLReportWriter.reservedParameterBytes))
    let selected = selectTimelines()

    var buffer: [UInt8] = []
    buffer.reserveCapacity(1 << 17)
    buffer.append(contentsOf: #"{"v":"#.utf8)
    Escaping.appendScriptSafeJSON(.array(variants.map(JSONValue.string)), to: &buffer)
    buffer.append(contentsOf: #","s":"#.utf8)
    Escaping.appendScriptSafeJSON(.array(block.strings.map(JSONValue.string)), to: &buffer)
    buffer.append(contentsOf: #","h":"#.utf8)
    Escaping.appendScriptSafeJSON(.array(block.threadNames.map(JSONValue.string)), to: &buffer)
    buffer.append(contentsOf: #","c":["#.utf8)
    var rowReader = try rows.reader()
    for index in 0..<caseCount {
      if index > 0 { buffer.append(contentsOf: ",\n".utf8) }
      let versions = try rowReader.integer()
      if versions == 2 && differs[index] { try HTMLRowTemplate.skipSpooled(from: &rowReader) }
      try HTMLRowTemplate.writeSpooled(
        from: &rowReader, budget: &detailBudget, into: &buffer)
      if versions == 2 && !differs[index] { try HTMLRowTemplate.skipSpooled(from: &rowReader) }
      if buffer.count >= 1 << 16 {
        try output(buffer)
        buffer.removeAll(keepingCapacity: true)
      }
    }
    buffer.append(contentsOf: #"],"p":["#.utf8)
    for (offset, entry) in block.parameters.enumerated() {
      if offset > 0 { buffer.append(UInt8(ascii: ",")) }
      buffer += entry
      if buffer.count >= 1 << 16 {
        try output(buffer)
        buffer.removeAll(keepingCapacity: true)
      }
    }
    buffer.append(contentsOf: #"],"q":["#.utf8)
    for (offset, entry) in entries.enumerated() {
      if offset > 0 { buffer.append(UInt8(ascii: ",")) }
      Escaping.appendDecimal(Int(entry), to: &buffer)
    }
    buffer.append(contentsOf: #"],"e":{"#.utf8)
    // The timelines' keys are the threads' indexes as strings, sorted as strings.
    // Each event type's string index as the timelines spell it.
    let typeDigits = eventTypes.map { type in
      var digits: [UInt8] = []
      Escaping.appendDecimal(block.stringIndex[type] ?? 0, to: &digits)
      return digits
    }
    let keys = selected.keys.map { (String($0), $0) }.sorted {
      JSONValue.bytesPrecede($0.0, $1.0)
    }
    for (offset, key) in keys.enumerated() {
      if offset > 0 { buffer.append(UInt8(ascii: ",")) }
      buffer.append(UInt8(ascii: "\""))
      buffer.append(contentsOf: key.0.utf8)
      buffer.append(contentsOf: "\":".utf8)
      guard let name = selected[key.1], let place = timelinePlaces[name] else { continue }
      try writeTimeline(place, typeDigits: typeDigits, into: &buffer)
      if buffer.count >= 1 << 16 {
        try output(buffer)
        buffer.removeAll(keepingCapacity: true)
      }
    }
    buffer.append(contentsOf: "}}".utf8)
    try output(buffer)
    abandon()
  }

  /// The timelines embedded, by thread index: the threads with a failing case in table
  /// order, each taken while its timeline fits what is left of `maxTimelineEvents` and
  /// `maxTimelineBytes`, the first that does not fit ending them; then the
  /// other threads the same way with what the failing ones left.
  ///
  /// A thread's event types enter the string table as its timeline is measured, as they
  /// do when the timelines are built whole. A thread whose timeline was not rendered comes
  /// after one that ends its group (``rendersTimeline(variant:_:)``).
  private func selectTimelines() -> [Int: String] {
    let referenced = block.threadNames.filter { timelinePlaces[$0] != nil }
    var budget = maxTimelineEvents
    var bytes = maxTimelineBytes
    var selected: [Int: String] = [:]
    for failing in [true, false] {
      for name in referenced where failingThreads.contains(name) == failing {
        guard let place = timelinePlaces[name], let index = block.threadIndex[name] else {
          continue
        }
        guard place.events <= budget else { break }
        var size = place.bytes
        for (type, count) in place.types {
          var digits: [UInt8] = []
          Escaping.appendDecimal(block.string(eventTypes[type]), to: &digits)
          size += count * digits.count
        }
        guard size <= bytes else { break }
        budget -= place.events
        bytes -= size
        selected[index] = name
      }
    }
    return selected
  }

  private func writeTimeline(
    _ place: TimelinePlace, typeDigits: [[UInt8]], into buffer: inout [UInt8]
  ) throws(ReportError) {
    let record = try timelines.read(offset: place.offset, length: place.length)
    var position = 0
    func integer() -> Int {
      var value: UInt64 = 0
      for shift in 0..<8 { value |= UInt64(record[position + shift]) << (8 * UInt64(shift)) }
      position += 8
      return Int(Int64(bitPattern: value))
    }
    buffer.append(UInt8(ascii: "["))
    for offset in 0..<place.events {
      if offset > 0 { buffer.append(UInt8(ascii: ",")) }
      let type = integer()
      let head = integer()
      buffer += record[position..<(position + head)]
      position += head
      buffer += typeDigits[type]
      let tail = integer()
      buffer += record[position..<(position + tail)]
      position += tail
    }
    buffer.append(UInt8(ascii: "]"))
  }

  /// How many threads' timelines were rendered and spooled.
  var renderedTimelines: Int { timelinePlaces.count }

  /// About how many bytes the builder holds in memory (the spools aside): the string,
  /// thread and parameter tables, and a few words per thread and per differing decision.
  var heldBytes: Int {
    var bytes = block.parameterBytes
    bytes += block.parameterIndex.keys.reduce(0) { $0 + $1.count + 16 }
    bytes += block.strings.reduce(0) { $0 + $1.utf8.count + 32 }
    bytes += block.threadNames.reduce(0) { $0 + 2 * ($1.utf8.count + 24) }
    for (name, place) in timelinePlaces {
      bytes += name.utf8.count + 64 + place.types.count * 16
    }
    bytes += failingThreads.reduce(0) { $0 + $1.utf8.count + 16 }
    for (id, decision) in decisions { bytes += id.utf8.count + decision.first.utf8.count + 32 }
    return bytes
  }

  /// Removes the spools.
  func abandon() {
    rows.remove()
    parameters.remove()
    timelines.remove()
    timelinePlaces = [:]
    decisions = [:]
  }
}
