import Foundation
import RefoldCore
import RefoldShared
import Synchronization

/// Replays what the cassette holds and asks the live endpoint for the rest, appending each
/// new exchange to the cassette; existing recordings are kept as they are.
public final class RecordingModelSource: ModelSource {
  public let live: LiveModelSource
  public let cassette: any CassetteStore
  private let counters = Mutex<[String: Int]>([:])
  private let clock: @Sendable () -> Date

  public init(
    live: LiveModelSource, cassette: any CassetteStore,
    clock: @escaping @Sendable () -> Date = { Date() }
  ) {
    self.live = live
    self.cassette = cassette
    self.clock = clock
  }

  /// The same live endpoint and cassette with the occurrence counts started afresh.
  public func session() -> any ModelSource {
    RecordingModelSource(live: live, cassette: cassette, clock: clock)
  }

  public func respond(to request: ModelRequest) async throws(ModelSourceError) -> ModelResponse {
    let n = counters.withLock { counters in
      defer { counters[request.key, default: 0] += 1 }
      return counters[request.key, default: 0]
    }
    let recorded = (try? cassette.exchanges(forKey: request.key)) ?? []
    if n < recorded.count { return ModelResponse(replaying: recorded[n]) }
    var response = try await live.respond(to: request)
    do {
      let exchange = Exchange(
        key: request.key, n: 0, provider: request.provider.rawValue,
        request: CassetteKey.canonicalRequest(request.body), response: response.body,
        latencyMilliseconds: response.latencyMilliseconds, usage: response.usage,
        recordedAt: Self.timestamp(clock()), thread: request.thread, meta: response.meta)
      response.n = try cassette.append(exchange).n
    } catch let error as ModelSourceError {
      throw error
    } catch {
      throw .cassette(path: "\(cassette)", line: nil, reason: "\(error)")
    }
    return response
  }

  static func timestamp(_ date: Date) -> String {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    return formatter.string(from: date)
  }
}
