import Foundation
import RefoldCore
import RefoldShared
import Synchronization

/// Writes a `results.json` file case by case, so that a run of any size needs memory for
/// one case at a time.
///
/// The output is `{"schema":…,"run":…,"cases":[` then each case, then
/// `],"summary":…,"by_intent":…}`: one JSON object that ``RunResults`` decodes like any
/// other (readers do not depend on key order).
///
/// ```swift
/// let writer = try RunResultsWriter(path: "reports/run/results.json", run: info)
/// for result in cases { try writer.append(result) }
/// try writer.finish(summary: scorer.summary, byIntent: scorer.breakdown)
/// ```
public final class RunResultsWriter: Sendable {
  private struct State {
    var buffer: [UInt8] = []
    var cases = 0
    var finished = false
  }

  private let sink: @Sendable ([UInt8]) throws -> Void
  private let close: @Sendable () throws -> Void
  private let state = Mutex(State())
  private let encoder: JSONEncoder
  private static let flushSize = 1 << 16

  /// A writer that hands its bytes to `sink` in chunks (tests, pipes).
  public init(
    run: RunInfo, sink: @escaping @Sendable ([UInt8]) throws -> Void,
    close: @escaping @Sendable () throws -> Void = {}
  ) throws {
    self.sink = sink
    self.close = close
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    self.encoder = encoder
    var header = Array(#"{"schema":"#.utf8)
    JSONValue.writeString(RunResults.schemaIdentifier, into: &header)
    header += Array(#","run":"#.utf8)
    header += Array(try encoder.encode(run))
    header += Array(#","cases":["#.utf8)
    state.withLock { $0.buffer = header }
  }

  /// A writer to a new file at `path` (replaced if it exists).
  public convenience init(path: String, run: RunInfo) throws {
    guard FileManager.default.createFile(atPath: path, contents: nil) else {
      throw SuiteError.unreadable(file: path, message: "cannot create the results file")
    }
    guard let handle = FileHandle(forWritingAtPath: path) else {
      throw SuiteError.unreadable(file: path, message: "cannot open the results file for writing")
    }
    try self.init(
      run: run, sink: { bytes in try handle.write(contentsOf: bytes) },
      close: { try handle.close() })
  }

  /// Appends one case.
  public func append(_ result: CaseResult) throws {
    let encoded = try RunResultsWriter.encodedCase(result) ?? Array(encoder.encode(result))
    try state.withLock { state in
      if state.cases > 0 { state.buffer.append(UInt8(ascii: ",")) }
      state.buffer += encoded
      state.cases += 1
      if state.buffer.count >= RunResultsWriter.flushSize {
        try sink(state.buffer)
        state.buffer.removeAll(keepingCapacity: true)
      }
    }
  }

  /// Writes the summary, the breakdown and the golden threads when given, closes the
  /// object and the output.
  public func finish(
    summary: RunSummary, byIntent: IntentBreakdown, threads: [String: [Event]]? = nil
  ) throws {
    var tail = Array(#"],"summary":"#.utf8)
    tail += Array(try encoder.encode(summary))
    tail += Array(#","by_intent":"#.utf8)
    tail += Array(try encoder.encode(byIntent))
    if let threads {
      tail += Array(#","threads":"#.utf8)
      tail += Array(try encoder.encode(threads))
    }
    tail += Array("}\n".utf8)
    try state.withLock { state in
      guard !state.finished else { return }
      state.finished = true
      try sink(state.buffer + tail)
      state.buffer = []
    }
    try close()
  }

  /// Cases written so far.
  public var caseCount: Int { state.withLock { $0.cases } }
}
