import Foundation
import RefoldCore

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

/// The HTTP core the provider clients share: POST JSON, retry, time, limit.
struct HTTPTransport: Sendable {
  let url: URL
  let headers: [String: String]
  let options: ClientOptions
  let limiter: ConcurrencyLimiter
  let owner: SessionOwner
  var session: URLSession { owner.session }

  init(url: URL, headers: [String: String], options: ClientOptions) {
    self.url = url
    self.headers = headers
    self.options = options
    self.limiter = ConcurrencyLimiter(limit: options.maxConcurrentRequests)
    let configuration = URLSessionConfiguration.ephemeral
    configuration.timeoutIntervalForRequest = options.timeout
    configuration.timeoutIntervalForResource = options.timeout
    configuration.httpMaximumConnectionsPerHost = options.maxConcurrentRequests
    self.owner = SessionOwner(URLSession(configuration: configuration))
  }

  private enum AttemptFailure {
    case status(Int, body: String, retryAfter: Double?)
    case timeout
    case connection(String)
  }

  func post(_ body: JSONValue, usage: @Sendable (JSONValue) -> TokenUsage?)
    async throws(ModelSourceError) -> ClientResult
  {
    await limiter.acquire()
    do {
      let result = try await attempts(body, usage: usage)
      await limiter.release()
      return result
    } catch {
      await limiter.release()
      throw error
    }
  }

  private func attempts(_ body: JSONValue, usage: @Sendable (JSONValue) -> TokenUsage?)
    async throws(ModelSourceError) -> ClientResult
  {
    var request = URLRequest(url: url, timeoutInterval: options.timeout)
    request.httpMethod = "POST"
    request.httpBody = Data(body.canonicalString.utf8)
    request.setValue("application/json", forHTTPHeaderField: "Content-Type")
    for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
    let clock = ContinuousClock()
    let started = clock.now
    var retries: [JSONValue] = []
    var attempt = 0
    while true {
      attempt += 1
      let attemptStart = clock.now
      var failure: AttemptFailure
      do {
        let (data, response) = try await session.dataAndResponse(for: request)
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        if (200..<300).contains(status) {
          let latency = Self.milliseconds(clock.now - attemptStart)
          let parsed: JSONValue
          do {
            parsed = try JSONParser.parse(bytes: data)
          } catch {
            throw ModelSourceError.invalidResponse(
              url: url.absoluteString, reason: "the body is not JSON (\(error))")
          }
          guard parsed.objectValue != nil else {
            throw ModelSourceError.invalidResponse(
              url: url.absoluteString, reason: "expected a JSON object")
          }
          let meta: JSONValue = [
            "status": .int(Int64(status)), "attempts": .int(Int64(attempt)),
            "total_ms": .double(Self.milliseconds(clock.now - started)),
            "transport_retries": .array(retries),
          ]
          return ClientResult(
            body: parsed, status: status, usage: usage(parsed), latencyMilliseconds: latency,
            meta: meta)
        }
        let text = String(decoding: data.prefix(300), as: UTF8.self)
        let retryAfter = RetryPolicy.retryAfterSeconds(
          (response as? HTTPURLResponse)?.value(forHTTPHeaderField: "Retry-After"))
        failure = .status(status, body: text, retryAfter: retryAfter)
        if !(status == 429 || status == 408 || status >= 500) {
          throw ModelSourceError.httpStatus(
            url: url.absoluteString, status: status, body: text, attempts: attempt)
        }
      } catch let error as ModelSourceError {
        throw error
      } catch let error as URLError where error.code == .timedOut {
        failure = .timeout
      } catch {
        failure = .connection("\(error.localizedDescription)")
      }
      var retryAfter: Double?
      var entry: [String: JSONValue] = ["attempt": .int(Int64(attempt))]
      switch failure {
      case .status(let status, _, let after):
        entry["status"] = .int(Int64(status))
        entry["reason"] = .string("HTTP \(status)")
        retryAfter = after
      case .timeout:
        entry["reason"] = "timeout"
      case .connection(let reason):
        entry["reason"] = .string(reason)
      }
      guard attempt < options.retry.maxAttempts else {
        switch failure {
        case .status(let status, let text, _):
          throw .httpStatus(url: url.absoluteString, status: status, body: text, attempts: attempt)
        case .timeout:
          throw .timeout(url: url.absoluteString, seconds: options.timeout, attempts: attempt)
        case .connection(let reason):
          throw .unreachable(url: url.absoluteString, reason: reason, attempts: attempt)
        }
      }
      let delay = options.retry.delay(beforeRetry: attempt, retryAfter: retryAfter)
      entry["delay_ms"] = .double((delay * 1000).rounded())
      if let retryAfter { entry["retry_after_s"] = .double(retryAfter) }
      retries.append(.object(entry))
      try? await Task.sleep(nanoseconds: UInt64(delay * 1_000_000_000))
    }
  }

  static func milliseconds(_ duration: Duration) -> Double { duration.milliseconds }
}

extension Double {
  fileprivate func rounded(toPlaces places: Int) -> Double {
    let factor = pow(10, Double(places))
    return (self * factor).rounded() / factor
  }
}

/// Owns a client's URL session and invalidates it when the last copy of the client goes.
///
/// `URLSession` is thread-safe; the owner only holds it, so sharing it across tasks is safe.
final class SessionOwner: Sendable {
  let session: URLSession

  init(_ session: URLSession) { self.session = session }

  deinit { session.finishTasksAndInvalidate() }
}

extension Duration {
  /// The duration in milliseconds, rounded to microseconds: how latencies are recorded.
  public var milliseconds: Double {
    let (seconds, attoseconds) = components
    return (Double(seconds) * 1000 + Double(attoseconds) / 1e15).rounded(toPlaces: 3)
  }
}

extension URLSession {
  /// The body and response of one request, through a data task (the async `data(for:)` of
  /// FoundationNetworking is missing on older toolchains).
  public func dataAndResponse(for request: URLRequest) async throws -> (Data, URLResponse) {
    try await withCheckedThrowingContinuation { continuation in
      let task = dataTask(with: request) { data, response, error in
        if let error {
          continuation.resume(throwing: error)
        } else if let response {
          continuation.resume(returning: (data ?? Data(), response))
        } else {
          continuation.resume(throwing: URLError(.badServerResponse))
        }
      }
      task.resume()
    }
  }
}
