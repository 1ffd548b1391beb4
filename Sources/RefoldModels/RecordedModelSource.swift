import Foundation
import RefoldCore
import RefoldShared
import Synchronization

/// Answers from a cassette only; identical requests are answered in recorded order.
///
/// A request with no recorded answer throws ``ModelSourceError/cassetteMiss(key:thread:detail:diff:)``
/// with the nearest recorded request (same thread first, else any) and a line diff of what
/// changed.
public final class RecordedModelSource: ModelSource {
  public let cassette: any CassetteStore
  private let counters = Mutex<[String: Int]>([:])

  public init(cassette: any CassetteStore) { self.cassette = cassette }

  /// The same cassette with the occurrence counts started afresh.
  public func session() -> any ModelSource { RecordedModelSource(cassette: cassette) }

  public func finishOpening() throws { try cassette.finishOpening() }

  public func respond(to request: ModelRequest) async throws(ModelSourceError) -> ModelResponse {
    let n = counters.withLock { counters in
      defer { counters[request.key, default: 0] += 1 }
      return counters[request.key, default: 0]
    }
    // Only the answers up to the n-th are waited for, from a cassette still being read.
    var recorded: [Exchange] = []
    var needing = n + 1
    do {
      while true {
        let lines = try cassette.answers(
          forKey: request.key, needing: needing, request: request.canonicalBody.prefixLength)
        // An answer the client abandoned while it was recorded is not replayed.
        recorded = lines.filter { $0.meta?["delivered"] != .bool(false) }
        if n < recorded.count { return ModelResponse(replaying: recorded[n]) }
        if lines.count < needing { break }
        needing = lines.count + n + 1 - recorded.count
      }
    } catch let error as ModelSourceError {
      throw error
    } catch {
      throw .cassette(path: "\(cassette)", line: nil, reason: "\(error)")
    }
    if !recorded.isEmpty {
      throw .cassetteMiss(
        key: request.key, thread: request.thread,
        detail: "this request was asked \(n + 1) times but only \(recorded.count) "
          + "answer(s) are recorded", diff: "")
    }
    let all = (try? cassette.allExchanges()) ?? []
    throw CassetteMissReport.miss(for: request, recorded: all)
  }
}
