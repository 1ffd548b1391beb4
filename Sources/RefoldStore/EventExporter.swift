import Foundation
import RefoldCore
import RefoldShared

/// Writes threads as event JSONL: ``Event/jsonLine`` and a newline per event.
///
/// For input already in canonical form, import followed by export gives the same bytes.
public struct EventExporter: Sendable {
  public let store: any StreamingEventStore

  public init(store: any StreamingEventStore) {
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

  /// Streams every event of the store, thread by thread in thread order, to `write`: the
  /// bytes that exporting every thread by name, in that order, gives, from one query.
  public func exportAll(to write: ([UInt8]) throws -> Void) throws {
    var output: [UInt8] = []
    output.reserveCapacity(1 << 16)
    try store.forEachEvent { event in
      event.writeLine(into: &output)
      output.append(0x0A)
      if output.count >= 1 << 16 {
        try write(output)
        output.removeAll(keepingCapacity: true)
      }
    }
    if !output.isEmpty { try write(output) }
  }

  /// Writes every event of the store to the file at `path` atomically; see
  /// ``exportAll(to:)``.
  ///
  /// - Throws: ``StoreError/unwritable(path:reason:)`` when the file cannot be written.
  public func exportAll(toFile path: String) throws {
    do {
      try AtomicFile.write(to: path) { sink in try exportAll { try sink(Data($0)) } }
    } catch let failure as AtomicFile.Failure {
      throw StoreError.unwritable(path: failure.path, reason: failure.reason)
    }
  }

  /// Writes the events of `threads` to the file at `path` atomically.
  ///
  /// The lines stream through ``AtomicFile``: a failure never leaves half a file.
  ///
  /// - Throws: ``StoreError/unwritable(path:reason:)`` when the file cannot be written.
  public func export(_ threads: [String], toFile path: String) throws {
    do {
      try AtomicFile.write(to: path) { sink in try export(threads) { try sink(Data($0)) } }
    } catch let failure as AtomicFile.Failure {
      throw StoreError.unwritable(path: failure.path, reason: failure.reason)
    }
  }
}
