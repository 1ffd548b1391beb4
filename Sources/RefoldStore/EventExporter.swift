import Foundation
import RefoldCore
import RefoldShared

/// Writes threads as event JSONL: ``Event/jsonLine`` and a newline per event.
///
/// For input already in canonical form, import followed by export gives the same bytes.
public struct EventExporter: Sendable {
  public let store: SQLiteEventStore

  public init(store: SQLiteEventStore) {
    self.store = store
  }

  /// Streams the events of `threads`, in the order given, to `write` in chunks of lines.
  ///
  /// - Throws: ``EventStoreError/unknownThread(_:)`` before writing anything when a thread is
  ///   not in the store.
  public func export(_ threads: [String], to write: ([UInt8]) throws -> Void) throws {
    for thread in threads where try !store.containsThread(thread) {
      throw EventStoreError.unknownThread(thread)
    }
    var output: [UInt8] = []
    output.reserveCapacity(1 << 16)
    for thread in threads {
      try store.forEachEvent(in: thread) { event in
        event.writeLine(into: &output)
        output.append(0x0A)
        if output.count >= 1 << 16 {
          try write(output)
          output.removeAll(keepingCapacity: true)
        }
      }
    }
    if !output.isEmpty { try write(output) }
  }

  /// Writes the events of `threads` to the file at `path` atomically.
  ///
  /// The lines go to a temporary file in the same directory, which is renamed over `path`
  /// only when everything was written: a failure never leaves half a file.
  public func export(_ threads: [String], toFile path: String) throws {
    let url = URL(fileURLWithPath: path)
    let temporary = url.deletingLastPathComponent().appendingPathComponent(
      ".\(url.lastPathComponent).\(UUID().uuidString).tmp")
    guard FileManager.default.createFile(atPath: temporary.path, contents: nil) else {
      throw StoreError.file(path: path, reason: "cannot create a file in its directory")
    }
    do {
      let handle = try FileHandle(forWritingTo: temporary)
      do {
        try export(threads) { bytes in try handle.write(contentsOf: bytes) }
        try handle.close()
      } catch {
        try? handle.close()
        throw error
      }
      if rename(temporary.path, url.path) != 0 {
        throw StoreError.file(path: path, reason: String(cString: strerror(errno)))
      }
    } catch {
      try? FileManager.default.removeItem(at: temporary)
      if error is StoreError || error is EventStoreError { throw error }
      throw StoreError.file(path: path, reason: "\(error)")
    }
  }
}
