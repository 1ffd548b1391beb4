import Foundation
import RefoldCore

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

/// The HTTP core the provider clients share: POST JSON, retry, time, limit.
///
/// Attempts are timed out, backed off and measured on the dependencies' clock, and sent
/// through their transport.
struct ProviderConnection: Sendable {
  let url: URL
  let headers: [String: String]
  let options: ClientOptions
  let limiter: ConcurrencyLimiter
  let dependencies: Dependencies

  init(url: URL, headers: [String: String], options: ClientOptions, dependencies: Dependencies) {
    self.url = url
    self.headers = headers
    self.options = options
    self.limiter = ConcurrencyLimiter(limit: options.maxConcurrentRequests)
    self.dependencies = dependencies
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
    var request = URLRequest(url: url)
    request.httpMethod = "POST"
    request.httpBody = Data(body.canonicalString.utf8)
    request.setValue("application/json", forHTTPHeaderField: "Content-Type")
    for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
    let total = dependencies.stopwatch()
    var retries: [JSONValue] = []
    var attempt = 0
    while true {
      attempt += 1
      let elapsed = dependencies.stopwatch()
      var failure: AttemptFailure
      do {
        let (data, response) = try await dependencies.send(request, timeout: options.timeout)
        let status = response.statusCode
        if (200..<300).contains(status) {
          let latency = elapsed().milliseconds
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
            "total_ms": .double(total().milliseconds),
            "transport_retries": .array(retries),
          ]
          return ClientResult(
            body: parsed, status: status, usage: usage(parsed), latencyMilliseconds: latency,
            meta: meta)
        }
        let text = String(decoding: data.prefix(300), as: UTF8.self)
        let retryAfter = RetryPolicy.retryAfterSeconds(
          response.value(forHTTPHeaderField: "Retry-After"), now: dependencies.now())
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
      try? await dependencies.sleep(seconds: delay)
    }
  }
}

extension Double {
  fileprivate func rounded(toPlaces places: Int) -> Double {
    let factor = pow(10, Double(places))
    return (self * factor).rounded() / factor
  }
}

extension Duration {
  /// The duration in milliseconds, rounded to microseconds: how latencies are recorded.
  public var milliseconds: Double {
    let (seconds, attoseconds) = components
    return (Double(seconds) * 1000 + Double(attoseconds) / 1e15).rounded(toPlaces: 3)
  }
}
