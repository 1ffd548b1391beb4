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
}

/// Answers from a cassette only; identical requests are answered in recorded order.
///
/// A request with no recorded answer throws ``ModelSourceError/cassetteMiss(key:thread:detail:diff:)``
/// with the nearest recorded request (same thread first, else any) and a line diff of what
/// changed.
public final class RecordedModelSource: ModelSource {
  public let cassette: any CassetteStore
  private let counters = Mutex<[String: Int]>([:])

  public init(cassette: any CassetteStore) { self.cassette = cassette }

  public func respond(to request: ModelRequest) async throws(ModelSourceError) -> ModelResponse {
    let n = counters.withLock { counters in
      defer { counters[request.key, default: 0] += 1 }
      return counters[request.key, default: 0]
    }
    let recorded: [Exchange]
    do {
      recorded = try cassette.exchanges(forKey: request.key)
    } catch let error as ModelSourceError {
      throw error
    } catch {
      throw .cassette(path: "\(cassette)", line: nil, reason: "\(error)")
    }
    if n < recorded.count { return ModelResponse(replaying: recorded[n]) }
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

/// Asks a live endpoint for every request; nothing is recorded.
public struct LiveModelSource: ModelSource {
  public let client: any ModelClient

  public init(client: any ModelClient) { self.client = client }

  /// A source for the spec's model settings: the provider's client at the settings' base URL
  /// (or the provider's default), with the API key read from the environment variable the
  /// settings name.
  ///
  /// - Throws: ``ModelSourceError/missingAPIKey(variable:)`` when that variable is not set.
  public init(
    settings: ModelSettings,
    environment: [String: String] = ProcessInfo.processInfo.environment,
    options: ClientOptions = ClientOptions()
  ) throws(ModelSourceError) {
    var apiKey: String?
    if let variable = settings.apiKeyEnvironment {
      guard let value = environment[variable], !value.isEmpty else {
        throw .missingAPIKey(variable: variable)
      }
      apiKey = value
    }
    switch settings.provider {
    case .openai:
      client = OpenAIChatClient(
        baseURL: settings.baseURL ?? OpenAIChatClient.defaultBaseURL, apiKey: apiKey,
        options: options)
    case .anthropic:
      client = AnthropicMessagesClient(
        baseURL: settings.baseURL ?? AnthropicMessagesClient.defaultBaseURL, apiKey: apiKey,
        options: options)
    }
  }

  public func respond(to request: ModelRequest) async throws(ModelSourceError) -> ModelResponse {
    let result = try await client.send(request.body)
    return ModelResponse(
      body: result.body, key: request.key, n: 0, usage: result.usage,
      latencyMilliseconds: result.latencyMilliseconds, meta: result.meta)
  }
}

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

  public func respond(to request: ModelRequest) async throws(ModelSourceError) -> ModelResponse {
    let n = counters.withLock { counters in
      defer { counters[request.key, default: 0] += 1 }
      return counters[request.key, default: 0]
    }
    let recorded = (try? cassette.exchanges(forKey: request.key)) ?? []
    if n < recorded.count { return ModelResponse(replaying: recorded[n]) }
    var response = try await live.respond(to: request)
    do {
      let occurrence = try cassette.exchanges(forKey: request.key).count
      let exchange = Exchange(
        key: request.key, n: occurrence, provider: request.provider.rawValue,
        request: CassetteKey.canonicalRequest(request.body), response: response.body,
        latencyMilliseconds: response.latencyMilliseconds, usage: response.usage,
        recordedAt: Self.timestamp(clock()), thread: request.thread, meta: response.meta)
      try cassette.record(exchange)
      response.n = occurrence
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

extension ModelResponse {
  /// The response a recorded exchange gives on replay (its meta says `replayed: true`).
  init(replaying exchange: Exchange) {
    var meta = exchange.meta?.objectValue ?? [:]
    meta["replayed"] = true
    self.init(
      body: exchange.response, key: exchange.key, n: exchange.n, usage: exchange.usage,
      latencyMilliseconds: exchange.latencyMilliseconds, meta: .object(meta))
  }
}
