import RefoldCore
import RefoldShared

/// Imports event JSONL files into a ``StreamingEventStore`` (SQLite or PostgreSQL): all files
/// or nothing.
///
/// Every line of every file is validated (``EventLine/parse(bytes:)``), problems collected as
/// `file:line: reason`, and every valid line appended in ONE transaction through a prepared
/// statement, so an invalid line or a `seq`/`id` conflict anywhere rolls everything back and
/// names the file and line. Lines are parsed once and never kept in memory.
/// Importing the same file twice is idempotent: a line whose `id` is stored with the same
/// content is skipped, and so is an id-less line whose `seq` holds the same id-less event; a
/// different event at that `seq` is still a conflict.
///
/// ```swift
/// let summary = try EventImporter(store: store).importFiles(["threads/deploy-001.jsonl"])
/// print(summary.written, summary.skipped)
/// ```
public struct EventImporter: Sendable {
  public let store: any StreamingEventStore
  /// Invalid lines reported before giving up.
  public var maximumProblems: Int
  /// Bytes read at a time.
  public var chunkSize: Int

  public init(
    store: any StreamingEventStore, maximumProblems: Int = 20, chunkSize: Int = 1 << 16
  ) {
    self.store = store
    self.maximumProblems = maximumProblems
    self.chunkSize = chunkSize
  }

  /// What an import wrote.
  public struct Summary: Sendable, Hashable {
    public var files: Int
    /// Non-blank lines read.
    public var lines: Int
    public var written: Int
    /// Lines already stored with the same content (by `id`, or by `seq` for id-less lines).
    public var skipped: Int
    /// Threads the lines belonged to.
    public var threads: Int
  }

  /// Validates every line of `files` without writing; returns the number of event lines.
  ///
  /// - Throws: ``StoreError/invalidLines(_:)`` with up to ``maximumProblems`` problems in
  ///   file order, or ``StoreError/file(path:reason:)``.
  public func validate(_ files: [String]) throws -> Int {
    var problems: [StoreError.LineProblem] = []
    var lines = 0
    for file in files {
      do {
        try JSONLReader(path: file, chunkSize: chunkSize).forEachLine { number, bytes in
          lines += 1
          do {
            _ = try EventLine.parse(bytes: bytes)
          } catch let error as EventLine.Invalid {
            problems.append(.init(file: file, line: number, reason: error.reason))
            if problems.count >= maximumProblems { throw StopReading() }
          }
        }
      } catch is StopReading {
        break
      }
    }
    if !problems.isEmpty { throw StoreError.invalidLines(problems) }
    return lines
  }

  /// Validates and appends every line of `files` in one transaction.
  ///
  /// Each line is parsed once: valid lines are appended as they are read, and the first
  /// invalid line stops the appending (the transaction is rolled back) while the rest of the
  /// files are still checked, so the error lists every invalid line as ``validate(_:)``
  /// would. The write lock is held for the whole read.
  ///
  /// - Throws: ``StoreError/invalidLines(_:)`` (nothing written),
  ///   ``StoreError/rejectedLine(file:line:reason:)`` for a `seq`/`id` conflict (nothing
  ///   written), ``StoreError/file(path:reason:)``, or the store's own error.
  public func importFiles(_ files: [String]) throws -> Summary {
    var problems: [StoreError.LineProblem] = []
    var rejection: StoreError?
    var lines = 0
    let counts = try store.appendStreamingCanonical { append in
      // A store that retries a lost race runs this again from the first line.
      problems = []
      rejection = nil
      lines = 0
      do {
        for file in files {
          try JSONLReader(path: file, chunkSize: chunkSize).forEachLine { number, bytes in
            lines += 1
            let line: EventLine
            var canonicalData: Range<Int>?
            do {
              line = try EventLine.parse(bytes: bytes, canonicalData: &canonicalData)
            } catch let error as EventLine.Invalid {
              problems.append(.init(file: file, line: number, reason: error.reason))
              if problems.count >= maximumProblems { throw StopReading() }
              return
            }
            guard problems.isEmpty, rejection == nil else { return }
            do {
              // Data already in canonical form are stored as the line wrote them.
              _ = try append(line, canonicalData.map { UnsafeBufferPointer(rebasing: bytes[$0]) })
            } catch let error as EventStoreError {
              // Keep reading: an invalid line later on is reported first, as validation is.
              rejection = .rejectedLine(file: file, line: number, reason: error)
            }
          }
        }
      } catch is StopReading {}
      if !problems.isEmpty { throw StoreError.invalidLines(problems) }
      if let rejection { throw rejection }
    }
    return Summary(
      files: files.count, lines: lines, written: counts.written, skipped: counts.skipped,
      threads: counts.threads)
  }

  private struct StopReading: Error {}
}
