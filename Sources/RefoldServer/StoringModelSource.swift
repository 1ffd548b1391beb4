import Foundation
import RefoldCore
import RefoldModels
import RefoldShared
import Synchronization

/// Asks a live endpoint for every request and appends each exchange to a cassette.
///
/// Unlike `RecordingModelSource`, it never answers from the cassette: a service in
/// production wants the model's answer, and the recording is for promotion and replay later.
public final class StoringModelSource: ModelSource {
  public let live: LiveModelSource
  public let cassette: any CassetteStore
  private let lock = Mutex<Void>(())
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
    let stored: Int? = lock.withLock { _ in
      guard let n = try? cassette.exchanges(forKey: request.key).count else { return nil }
      let exchange = Exchange(
        key: request.key, n: n, provider: request.provider.rawValue,
        request: CassetteKey.canonicalRequest(request.body), response: response.body,
        latencyMilliseconds: response.latencyMilliseconds, usage: response.usage,
        recordedAt: clock(), thread: request.thread, meta: response.meta)
      return (try? cassette.record(exchange)) == nil ? nil : n
    }
    if let stored { response.n = stored }
    return response
  }
}
