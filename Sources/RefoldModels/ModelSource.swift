import Foundation
import RefoldCore
import Synchronization

/// Answers model requests: from a cassette, from a live endpoint, or live while recording.
///
/// ```swift
/// let source: any ModelSource = RecordedModelSource(cassette: try JSONLCassette(path: path))
/// let response = try await source.respond(to: request)
/// ```
public protocol ModelSource: Sendable {
  /// The answer to `request` (whose `thread` names the thread it was made for).
  ///
  /// - Throws: ``ModelSourceError`` when the source cannot answer (a cassette miss, an
  ///   unreachable endpoint, an HTTP error after retries, a timeout). An answer whose content
  ///   is not a valid intent is not an error here: the decoder reports it.
  func respond(to request: ModelRequest) async throws(ModelSourceError) -> ModelResponse

  /// A source for one independent replay: identical requests are counted from the first
  /// recorded answer again. Sources without such state return themselves.
  func session() -> any ModelSource

  /// Waits for what the source opened in the background and throws what went wrong there
  /// (see ``RefoldCore/Decider/finishOpening()``).
  func finishOpening() throws
}

extension ModelSource {
  public func session() -> any ModelSource { self }
  public func finishOpening() throws {}
}
