import Foundation
import RefoldCore
import Synchronization

/// A cassette kept as a JSONL file: one exchange per line.
///
/// Existing lines are loaded when the cassette is opened and are never rewritten; new
/// exchanges are appended as lines and flushed at once. Parent folders are created on the
/// first write. Secrets are never part of an exchange, so never part of the file.
///
/// ```swift
/// let cassette = try JSONLCassette(path: "fixtures/cassettes/deploybot.jsonl")
/// let source = RecordedModelSource(cassette: cassette)
/// ```
public final class JSONLCassette: CassetteStore {
  public let path: String
  private let state: Mutex<State>

  private struct State {
    var exchanges: [Exchange] = []
    var byKey: [String: [Exchange]] = [:]
  }

  /// Opens the cassette at `path`; a missing file is an empty cassette.
  ///
  /// - Throws: ``ModelSourceError/cassette(path:line:reason:)`` for an unreadable file or an
  ///   invalid line (with its number).
  public init(path: String) throws(ModelSourceError) {
    self.path = path
    var state = State()
    if FileManager.default.fileExists(atPath: path) {
      let text: String
      do {
        text = try String(contentsOfFile: path, encoding: .utf8)
      } catch {
        throw .cassette(path: path, line: nil, reason: "cannot read the file (\(error))")
      }
      for (offset, line) in text.split(separator: "\n", omittingEmptySubsequences: false)
        .enumerated() where !line.allSatisfy(\.isWhitespace)
      {
        do {
          let exchange = try Exchange(jsonValue: JSONParser.parse(String(line)))
          let count = state.byKey[exchange.key]?.count ?? 0
          guard exchange.n == count else {
            throw ExchangeLineError(
              "expected n \(count) for key \(exchange.key), found \(exchange.n)")
          }
          state.exchanges.append(exchange)
          state.byKey[exchange.key, default: []].append(exchange)
        } catch let error as ExchangeLineError {
          throw .cassette(path: path, line: offset + 1, reason: error.reason)
        } catch {
          throw .cassette(path: path, line: offset + 1, reason: "invalid JSON (\(error))")
        }
      }
    }
    self.state = Mutex(state)
  }

  public func exchanges(forKey key: String) throws -> [Exchange] {
    state.withLock { $0.byKey[key] ?? [] }
  }

  public func allExchanges() throws -> [Exchange] {
    state.withLock { $0.exchanges }
  }

  /// Appends `exchange` as a new line.
  ///
  /// - Throws: ``ModelSourceError/cassetteConflict(key:n:)`` when its `n` is not the next
  ///   occurrence of its key; ``ModelSourceError/cassette(path:line:reason:)`` when the file
  ///   cannot be written.
  public func record(_ exchange: Exchange) throws {
    let path = self.path
    try state.withLock { state throws(ModelSourceError) in
      let count = state.byKey[exchange.key]?.count ?? 0
      guard exchange.n == count else { throw .cassetteConflict(key: exchange.key, n: exchange.n) }
      try Self.append(exchange.jsonLine + "\n", to: path)
      state.exchanges.append(exchange)
      state.byKey[exchange.key, default: []].append(exchange)
    }
  }

  private static func append(_ line: String, to path: String) throws(ModelSourceError) {
    let manager = FileManager.default
    let directory = (path as NSString).deletingLastPathComponent
    do {
      if !directory.isEmpty, !manager.fileExists(atPath: directory) {
        try manager.createDirectory(atPath: directory, withIntermediateDirectories: true)
      }
      if !manager.fileExists(atPath: path) {
        guard manager.createFile(atPath: path, contents: nil) else {
          throw ExchangeLineError("cannot create the file")
        }
      }
      let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
      defer { try? handle.close() }
      try handle.seekToEnd()
      try handle.write(contentsOf: Data(line.utf8))
      try handle.synchronize()
    } catch let error as ExchangeLineError {
      throw .cassette(path: path, line: nil, reason: error.reason)
    } catch {
      throw .cassette(path: path, line: nil, reason: "cannot append (\(error))")
    }
  }
}
