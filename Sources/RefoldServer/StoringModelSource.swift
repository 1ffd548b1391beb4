import Foundation
import RefoldCore
import RefoldModels
import RefoldShared

/// Asks a live endpoint for every request and appends each exchange to a cassette.
///
/// Unlike `RecordingModelSource`, it never answers from the cassette: a service in
/// production wants the model's answer, and the recording is for promotion and replay later.
public final class StoringModelSource: ModelSource {
  public let live: LiveModelSource
  public let cassette: any CassetteStore
  private let clock: @Sendable () -> String

  public init(
    live: LiveModelSource, cassette: any CassetteStore,
    clock: @escaping @Sendable () -> String = { AgentLoop.systemClock() ?? "" }
  ) {
    self.live = live
    self.cassette = cassette
    self.clock = clock
  }

  public func respond(to request: ModelRequest) async throws(ModelSourceError) -> ModelResponse {
    var response = try await live.respond(to: request)
    let exchange = Exchange(
      key: request.key, n: 0, provider: request.provider.rawValue,
      request: CassetteKey.canonicalRequest(request.body), response: response.body,
      latencyMilliseconds: response.latencyMilliseconds, usage: response.usage,
      recordedAt: clock(), thread: request.thread, meta: response.meta)
    if let stored = try? cassette.append(exchange) { response.n = stored.n }
    return response
  }
}
