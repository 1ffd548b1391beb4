import Foundation
import RefoldCore
import RefoldShared

/// The three ways to answer model requests, as named on the command line (`--model`).
public enum ModelSourceKind: String, Sendable, Hashable, CaseIterable {
  /// The cassette only; a miss is an error.
  case recorded
  /// The live endpoint only; nothing is written.
  case live
  /// The cassette first, the live endpoint for the rest, new exchanges appended.
  case record

  /// The source of this kind for the spec's model settings and a cassette.
  ///
  /// ```swift
  /// let source = try ModelSourceKind.recorded.makeSource(
  ///   settings: spec.model, cassette: try JSONLCassette(path: "fixtures/cassettes/deploybot.jsonl"))
  /// ```
  ///
  /// - Throws: ``ModelSourceError/missingAPIKey(variable:place:)`` for `live` and `record` when the
  ///   key variable the settings name is not set. `recorded` needs no key and no network.
  public func makeSource(
    settings: ModelSettings, cassette: any CassetteStore,
    environment: [String: String] = ProcessInfo.processInfo.environment,
    options: ClientOptions = ClientOptions(), dependencies: Dependencies = .live
  ) throws(ModelSourceError) -> any ModelSource {
    switch self {
    case .recorded:
      return RecordedModelSource(cassette: cassette)
    case .live:
      return try LiveModelSource(
        settings: settings, environment: environment, options: options,
        dependencies: dependencies)
    case .record:
      return RecordingModelSource(
        live: try LiveModelSource(
          settings: settings, environment: environment, options: options,
          dependencies: dependencies),
        cassette: cassette, clock: dependencies.now)
    }
  }
}
