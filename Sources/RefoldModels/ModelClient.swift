import Foundation
import RefoldCore

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

/// Sends request bodies to a provider endpoint.
public protocol ModelClient: Sendable {
  var provider: ModelSettings.Provider { get }
  /// Posts `body` and returns the provider's JSON answer.
  ///
  /// - Throws: ``ModelSourceError`` when the endpoint cannot be reached, times out, or keeps
  ///   failing after the retries the options allow.
  func send(_ body: JSONValue) async throws(ModelSourceError) -> ClientResult
}

/// A provider's answer with what it took to get it.
public struct ClientResult: Sendable, Hashable {
  public var body: JSONValue
  public var status: Int
  public var usage: TokenUsage?
  /// Time of the successful attempt, in milliseconds.
  public var latencyMilliseconds: Double
  /// Transport provenance, kept in the exchange's `meta`.
  ///
  /// Holds `status`, `attempts`, `total_ms`, and `transport_retries` (one entry per failed
  /// attempt: `attempt`, `reason`, `status`, `delay_ms`). These are HTTP retries, never tool
  /// errors.
  public var meta: JSONValue

  public init(
    body: JSONValue, status: Int, usage: TokenUsage?, latencyMilliseconds: Double, meta: JSONValue
  ) {
    self.body = body
    self.status = status
    self.usage = usage
    self.latencyMilliseconds = latencyMilliseconds
    self.meta = meta
  }
}

/// Timeout, concurrency and retry settings of a client.
public struct ClientOptions: Sendable, Hashable {
  /// Seconds to wait for one attempt's answer.
  public var timeout: Double
  /// Requests in flight at once, per client.
  public var maxConcurrentRequests: Int
  public var retry: RetryPolicy

  public init(timeout: Double = 120, maxConcurrentRequests: Int = 4, retry: RetryPolicy = .init()) {
    self.timeout = timeout
    self.maxConcurrentRequests = max(1, maxConcurrentRequests)
    self.retry = retry
  }
}

/// Exponential backoff with jitter for 429, 5xx, timeouts and connection errors.
public struct RetryPolicy: Sendable, Hashable {
  /// Attempts in all, the first included (1 means no retry).
  public var maxAttempts: Int
  /// The delay before the first retry, in seconds; doubled for each further retry.
  public var baseDelay: Double
  /// The longest delay between attempts, in seconds (a `Retry-After` is honoured up to it).
  public var maxDelay: Double
  /// The fraction by which a delay varies at random (0.2: ±20%).
  public var jitter: Double

  public init(
    maxAttempts: Int = 4, baseDelay: Double = 0.5, maxDelay: Double = 30, jitter: Double = 0.2
  ) {
    self.maxAttempts = max(1, maxAttempts)
    self.baseDelay = baseDelay
    self.maxDelay = maxDelay
    self.jitter = jitter
  }

  /// The delay before retry number `retry` (1-based), or what `Retry-After` asked for.
  public func delay(beforeRetry retry: Int, retryAfter: Double?) -> Double {
    if let retryAfter { return min(max(0, retryAfter), maxDelay) }
    let exponential = min(maxDelay, baseDelay * pow(2, Double(retry - 1)))
    let spread = exponential * jitter
    return max(0, exponential + Double.random(in: -spread...max(spread, 0)))
  }

  /// Parses a `Retry-After` header: seconds, or an HTTP date.
  public static func retryAfterSeconds(_ header: String?, now: Date = Date()) -> Double? {
    guard let header = header?.trimmingCharacters(in: .whitespaces), !header.isEmpty else {
      return nil
    }
    if let seconds = Double(header) { return seconds }
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.timeZone = TimeZone(identifier: "GMT")
    formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
    guard let date = formatter.date(from: header) else { return nil }
    return max(0, date.timeIntervalSince(now))
  }
}

/// Limits how many requests run at once; waiters are served first come, first served.
public actor ConcurrencyLimiter {
  private let limit: Int
  private var running = 0
  private var waiting: [CheckedContinuation<Void, Never>] = []

  public init(limit: Int) { self.limit = max(1, limit) }

  /// Waits for a free slot and takes it.
  public func acquire() async {
    if running < limit {
      running += 1
      return
    }
    await withCheckedContinuation { waiting.append($0) }
  }

  /// Frees a slot, handing it to the next waiter if there is one.
  public func release() {
    if waiting.isEmpty {
      running = max(0, running - 1)
    } else {
      waiting.removeFirst().resume()
    }
  }

  /// Runs `operation` in a slot.
  public func run<T: Sendable, E: Error>(_ operation: @Sendable () async throws(E) -> T)
    async throws(E) -> T
  {
    await acquire()
    defer { release() }
    return try await operation()
  }
}

/// The HTTP core the provider clients share: POST JSON, retry, time, limit.
struct HTTPTransport: Sendable {
  let url: URL
  let headers: [String: String]
  let options: ClientOptions
  let limiter: ConcurrencyLimiter
  let session: URLSession

  init(url: URL, headers: [String: String], options: ClientOptions) {
    self.url = url
    self.headers = headers
    self.options = options
    self.limiter = ConcurrencyLimiter(limit: options.maxConcurrentRequests)
    let configuration = URLSessionConfiguration.ephemeral
    configuration.timeoutIntervalForRequest = options.timeout
    configuration.timeoutIntervalForResource = options.timeout
    configuration.httpMaximumConnectionsPerHost = options.maxConcurrentRequests
    self.session = URLSession(configuration: configuration)
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
        let (data, response) = try await perform(request)
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

  private func perform(_ request: URLRequest) async throws -> (Data, URLResponse) {
    try await withCheckedThrowingContinuation { continuation in
      let task = session.dataTask(with: request) { data, response, error in
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

  static func milliseconds(_ duration: Duration) -> Double {
    let (seconds, attoseconds) = duration.components
    return (Double(seconds) * 1000 + Double(attoseconds) / 1e15).rounded(toPlaces: 3)
  }
}

extension Double {
  fileprivate func rounded(toPlaces places: Int) -> Double {
    let factor = pow(10, Double(places))
    return (self * factor).rounded() / factor
  }
}

/// An OpenAI Chat Completions client (also vLLM, Ollama, llama.cpp's server).
///
/// Posts to `{baseURL}/chat/completions` with `Authorization: Bearer <key>` when a key is
/// given.
public struct OpenAIChatClient: ModelClient {
  public static let defaultBaseURL = "https://api.openai.com/v1"
  public var provider: ModelSettings.Provider { .openai }
  let transport: HTTPTransport

  public init(baseURL: String = defaultBaseURL, apiKey: String?, options: ClientOptions = .init()) {
    var headers: [String: String] = [:]
    if let apiKey { headers["Authorization"] = "Bearer \(apiKey)" }
    transport = HTTPTransport(
      url: Self.endpoint(baseURL, "chat/completions"), headers: headers, options: options)
  }

  public func send(_ body: JSONValue) async throws(ModelSourceError) -> ClientResult {
    try await transport.post(body) { response in
      guard let usage = response["usage"], let input = usage["prompt_tokens"]?.intValue,
        let output = usage["completion_tokens"]?.intValue
      else { return nil }
      return TokenUsage(inputTokens: input, outputTokens: output)
    }
  }

  static func endpoint(_ base: String, _ path: String) -> URL {
    let trimmed = base.hasSuffix("/") ? String(base.dropLast()) : base
    return URL(string: trimmed + "/" + path) ?? URL(fileURLWithPath: "/invalid-base-url")
  }
}

/// An Anthropic Messages client.
///
/// Posts to `{baseURL}/messages` with `x-api-key` and `anthropic-version` headers.
public struct AnthropicMessagesClient: ModelClient {
  public static let defaultBaseURL = "https://api.anthropic.com/v1"
  public var provider: ModelSettings.Provider { .anthropic }
  let transport: HTTPTransport

  public init(
    baseURL: String = defaultBaseURL, apiKey: String?, version: String = "2023-06-01",
    options: ClientOptions = .init()
  ) {
    var headers = ["anthropic-version": version]
    if let apiKey { headers["x-api-key"] = apiKey }
    transport = HTTPTransport(
      url: OpenAIChatClient.endpoint(baseURL, "messages"), headers: headers, options: options)
  }

  public func send(_ body: JSONValue) async throws(ModelSourceError) -> ClientResult {
    try await transport.post(body) { response in
      guard let usage = response["usage"], let input = usage["input_tokens"]?.intValue,
        let output = usage["output_tokens"]?.intValue
      else { return nil }
      return TokenUsage(inputTokens: input, outputTokens: output)
    }
  }
}
