import Foundation
import RefoldCore
import Synchronization

/// Writes `results.json`, the `refold.results/v1` file of one run: the one writer that
/// `refold eval`, `refold merge`, the benchmark and the tests all use.
///
/// The output is pretty-printed with sorted keys, as `JSONEncoder` with
/// `[.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]` writes it, byte for byte, then a
/// newline; two results files diff line by line. Cases are written by a hand-written
/// encoder (several times faster than `Codable`), one at a time, so a run of any size needs
/// memory for one case; so are the golden threads, one thread at a time. The file is written through ``AtomicFile``: a reader sees the old
/// file or the whole new one.
///
/// A run held in memory is written in one call:
///
/// ```swift
/// try ResultsWriter.write(results, to: "reports/run/results.json")
/// ```
///
/// A run streamed case by case spools its cases next to the target until ``finish(summary:byIntent:threads:)``,
/// because the summary and breakdown sort before `cases`:
///
/// ```swift
/// let writer = try ResultsWriter(path: "reports/run/results.json", run: info)
/// for result in cases { try writer.append(result) }
/// try writer.finish(summary: scorer.summary, byIntent: scorer.breakdown)
/// ```
public final class ResultsWriter: Sendable {
  /// The name of a results file in a report directory.
  public static let fileName = "results.json"

  private struct State {
    var buffer: [UInt8] = []
    var cases = 0
    /// Bytes written to the cases spool.
    var spoolSize = 0
    var finished = false
    /// The golden threads spooled so far: each thread's member value, where it is in the
    /// threads spool.
    var threads: [String: (offset: UInt64, length: Int)] = [:]
    var threadBuffer: [UInt8] = []
    var threadSpoolSize: UInt64 = 0
    var threadSpool: FileHandle?
  }

  private let path: String
  private let run: RunInfo
  private let spoolPath: String
  private let spool: FileHandle
  private let state = Mutex(State())
  static let flushSize = 1 << 16

  /// A writer of a new file at `path` (replaced when finished, if it exists).
  ///
  /// - Throws: ``AtomicFile/Failure`` when the directory or the spool file cannot be made.
  public init(path: String, run: RunInfo) throws {
    self.path = path
    self.run = run
    let url = URL(fileURLWithPath: path)
    let directory = url.deletingLastPathComponent().path
    do {
      try FileManager.default.createDirectory(
        atPath: directory, withIntermediateDirectories: true)
    } catch {
      throw AtomicFile.Failure(path: directory, reason: "\(error.localizedDescription)")
    }
    spoolPath = (directory as NSString).appendingPathComponent(
      ".\(url.lastPathComponent).\(UUID().uuidString.prefix(8)).cases")
    guard FileManager.default.createFile(atPath: spoolPath, contents: nil),
      let handle = FileHandle(forUpdatingAtPath: spoolPath)
    else {
      throw AtomicFile.Failure(path: spoolPath, reason: "cannot create the spool file")
    }
    spool = handle
  }

  deinit {
    try? spool.close()
    unlink(spoolPath)
    state.withLock { state in
      if let handle = state.threadSpool {
        try? handle.close()
        unlink(threadSpoolPath)
      }
    }
  }

  private var threadSpoolPath: String { String(spoolPath.dropLast("cases".count)) + "threads" }

  /// Spools one golden thread, written as a member of `threads` when the file is finished.
  ///
  /// The events are encoded as they arrive and kept in a spool file beside the target; the
  /// writer holds only where each thread is. A thread appended twice keeps its last events.
  public func append(thread: String, events: [Event]) throws {
    try append(thread: thread, compactEvents: try Self.compactThread(events))
  }

  /// Spools one golden thread given as its events' compact JSON (``compactThread(_:)``), as
  /// an evaluation encoded it: the events are not encoded again.
  public func append(thread: String, compactEvents: [UInt8]) throws {
    // The member with the comma before it, so that threads spooled in the order of their
    // ids are copied into the file as one piece.
    var member = Array(",\n    ".utf8)
    JSONValue.writeString(thread, into: &member)
    member += Array(" : ".utf8)
    Self.indent(compactEvents, depth: 2, into: &member)
    try state.withLock { state in
      if state.threadSpool == nil {
        guard FileManager.default.createFile(atPath: threadSpoolPath, contents: nil),
          let handle = FileHandle(forUpdatingAtPath: threadSpoolPath)
        else {
          throw AtomicFile.Failure(path: threadSpoolPath, reason: "cannot create the spool file")
        }
        state.threadSpool = handle
      }
      state.threads[thread] = (
        state.threadSpoolSize + UInt64(state.threadBuffer.count), member.count
      )
      state.threadBuffer += member
      if state.threadBuffer.count >= Self.flushSize {
        try flushThreads(&state)
      }
    }
  }

  /// A golden thread's events as the compact JSON ``append(thread:compactEvents:)`` takes.
  public static func compactThread(_ events: [Event]) throws -> [UInt8] {
    var compact: [UInt8] = []
    if !encodedThread(events, into: &compact) {
      compact = try Self.compact(events)
    }
    return compact
  }

  private func flushThreads(_ state: inout State) throws {
    guard let handle = state.threadSpool, !state.threadBuffer.isEmpty else { return }
    do {
      try handle.seekToEnd()
      try handle.write(contentsOf: state.threadBuffer)
    } catch {
      throw AtomicFile.Failure(path: threadSpoolPath, reason: error.localizedDescription)
    }
    state.threadSpoolSize += UInt64(state.threadBuffer.count)
    state.threadBuffer.removeAll(keepingCapacity: true)
  }

  /// Writes the spooled threads' member (with the comma before it) in the order
  /// `JSONEncoder` sorts their ids.
  ///
  /// Threads that lie in the spool one after another in that order (a suite whose ids
  /// sort as its fixtures list them) are copied as one piece.
  private func writeSpooledThreads(_ state: inout State, into output: AtomicFile.Output)
    throws
  {
    try flushThreads(&state)
    guard let handle = state.threadSpool else { return }
    try output.write(Array(",\n  \"threads\" : {\n".utf8))
    let ids = state.threads.keys.sorted { JSONValue.bytesPrecede($0, $1) }
    var piece: (start: UInt64, end: UInt64)?
    func copyPiece() throws {
      guard let range = piece, range.end > range.start else { return }
      try output.copy(
        from: handle.fileDescriptor, offset: Int64(range.start),
        count: Int(range.end - range.start), sourcePath: threadSpoolPath)
    }
    for id in ids {
      guard let place = state.threads[id] else { continue }
      // The first member goes without the comma and line break before it.
      let start = piece == nil ? place.offset + 2 : place.offset
      let end = place.offset + UInt64(place.length)
      if let range = piece, range.end == place.offset {
        piece = (range.start, end)
      } else {
        try copyPiece()
        piece = (start, end)
      }
    }
    try copyPiece()
    try output.write(Array("\n  }".utf8))
  }

  /// Appends one case.
  public func append(_ result: CaseResult) throws {
    try appendMember(try Self.encodedCaseMember(result))
  }

  /// Appends one case given as its compact JSON (``compactCase(_:)``), as an evaluation
  /// encoded it: the case is not encoded again.
  public func append(compactCase compact: [UInt8]) throws {
    var member = Array("    ".utf8)
    Self.indent(compact, depth: 2, into: &member)
    try appendMember(member)
  }

  private func appendMember(_ encoded: [UInt8]) throws {
    try state.withLock { state in
      if state.cases > 0 { state.buffer += Array(",\n".utf8) }
      state.buffer += encoded
      state.cases += 1
      if state.buffer.count >= Self.flushSize {
        try writeSpool(state.buffer)
        state.spoolSize += state.buffer.count
        state.buffer.removeAll(keepingCapacity: true)
      }
    }
  }

  /// Writes the file and removes the spools.
  ///
  /// The file holds the breakdown, the spooled cases, the run, the summary and, when given
  /// or spooled with ``append(thread:events:)``, the golden threads (threads given here are
  /// written instead of spooled ones).
  ///
  /// - Parameter run: the run's info as it finished, when it changed since the writer began.
  /// - Throws: ``AtomicFile/Failure``; the target is then unchanged.
  public func finish(
    summary: RunSummary, byIntent: IntentBreakdown, threads: [String: [Event]]? = nil,
    gate: RunGate? = nil, run finished: RunInfo? = nil
  ) throws {
    let parts = try Self.parts(
      run: finished ?? run, summary: summary, byIntent: byIntent, threads: threads, gate: gate)
    try state.withLock { state in
      guard !state.finished else { return }
      state.finished = true
      try writeSpool(state.buffer)
      state.spoolSize += state.buffer.count
      state.buffer = []
      try AtomicFile.write(to: path) { (output: AtomicFile.Output) in
        try output.write(parts.head)
        try output.copy(
          from: spool.fileDescriptor, offset: 0, count: state.spoolSize, sourcePath: spoolPath)
        if parts.threads == nil, state.threadSpool != nil {
          try output.write(parts.tail)
          try writeSpooledThreads(&state, into: output)
          try output.write(Array("\n}\n".utf8))
        } else {
          try Self.writeTail(parts) { try output.write($0) }
        }
      }
      try? spool.close()
      unlink(spoolPath)
      removeThreadSpool(&state)
    }
  }

  /// Removes the spools and leaves the target as it was: for a run given up.
  public func abandon() {
    state.withLock { state in
      state.finished = true
      state.buffer = []
      try? spool.close()
      unlink(spoolPath)
      removeThreadSpool(&state)
    }
  }

  private func removeThreadSpool(_ state: inout State) {
    if let handle = state.threadSpool {
      try? handle.close()
      unlink(threadSpoolPath)
    }
    state.threadSpool = nil
    state.threads = [:]
    state.threadBuffer = []
  }

  /// Cases written so far.
  public var caseCount: Int { state.withLock { $0.cases } }

  private func writeSpool(_ bytes: [UInt8]) throws {
    do {
      try spool.write(contentsOf: bytes)
    } catch {
      throw AtomicFile.Failure(path: spoolPath, reason: error.localizedDescription)
    }
  }

  /// Writes `results` to `path` atomically.
  ///
  /// - Throws: ``AtomicFile/Failure``; the target is then unchanged.
  public static func write(_ results: RunResults, to path: String) throws {
    let parts = try parts(
      run: results.run, summary: results.summary, byIntent: results.byIntent,
      threads: results.threads, gate: results.gate)
    try AtomicFile.write(to: path) { sink in
      try encode(results.cases, parts: parts) { try sink(Data($0)) }
    }
  }

  /// The bytes of `results` as they are written to a file.
  public static func encode(_ results: RunResults) throws -> Data {
    let parts = try parts(
      run: results.run, summary: results.summary, byIntent: results.byIntent,
      threads: results.threads, gate: results.gate)
    var data = Data()
    try encode(results.cases, parts: parts) { data.append(contentsOf: $0) }
    return data
  }

  private static func encode(
    _ cases: [CaseResult], parts: Parts, into sink: ([UInt8]) throws -> Void
  ) throws {
    var buffer = parts.head
    for (offset, result) in cases.enumerated() {
      if offset > 0 { buffer += Array(",\n".utf8) }
      buffer += try encodedCaseMember(result)
      if buffer.count >= flushSize {
        try sink(buffer)
        buffer.removeAll(keepingCapacity: true)
      }
    }
    try writeTail(parts, after: buffer, into: sink)
  }

  /// Writes what follows the last case, after the bytes `pending` not yet written.
  private static func writeTail(
    _ parts: Parts, after pending: [UInt8] = [], into sink: ([UInt8]) throws -> Void
  ) throws {
    var buffer = pending
    buffer += parts.tail
    if let threads = parts.threads {
      try appendThreads(threads, into: &buffer, flush: sink)
    }
    buffer += Array("\n}\n".utf8)
    try sink(buffer)
  }

  /// The file around its cases.
  private struct Parts {
    /// Up to and including the opening of `cases`.
    var head: [UInt8]
    /// What follows the last case: the end of `cases` (an empty array is then an opening
    /// line, an empty line and a closing line, as JSONEncoder writes it), then `run` to
    /// `summary`.
    var tail: [UInt8]
    /// The golden threads, written after `summary` one at a time.
    var threads: [String: [Event]]?
  }

  private static func parts(
    run: RunInfo, summary: RunSummary, byIntent: IntentBreakdown, threads: [String: [Event]]?,
    gate: RunGate?
  ) throws -> Parts {
    var head = Array("{\n".utf8)
    try member("by_intent", byIntent, into: &head)
    head += Array(",\n  \"cases\" : [\n".utf8)
    var rest = Array("\n  ],\n".utf8)
    if let gate {
      try member("gate", gate, into: &rest)
      rest += Array(",\n".utf8)
    }
    try member("run", run, into: &rest)
    rest += Array(",\n".utf8)
    try member("schema", RunResults.schemaIdentifier, into: &rest)
    rest += Array(",\n".utf8)
    try member("summary", summary, into: &rest)
    return Parts(head: head, tail: rest, threads: threads)
  }

  private static func member(
    _ name: String, _ value: some Encodable, into output: inout [UInt8]
  ) throws {
    output += Array("  \"\(name)\" : ".utf8)
    indent(try compact(value), depth: 1, into: &output)
  }

  /// A case as a member of `cases`: indented for its depth.
  static func encodedCaseMember(_ result: CaseResult) throws -> [UInt8] {
    var output = Array("    ".utf8)
    let compact = try encodedCase(result) ?? compact(result)
    indent(compact, depth: 2, into: &output)
    return output
  }

  /// A case as compact JSON, the bytes `JSONEncoder` (sorted keys, slashes unescaped)
  /// gives, written without `Codable` where it can be (a run store keeps a case this way).
  public static func compactCase(_ result: CaseResult) throws -> [UInt8] {
    try encodedCase(result) ?? compact(result)
  }

  static func compact(_ value: some Encodable) throws -> [UInt8] {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    do {
      return Array(try encoder.encode(value))
    } catch {
      throw AtomicFile.Failure(
        path: fileName, reason: "the results cannot be encoded: \(error)")
    }
  }
}
