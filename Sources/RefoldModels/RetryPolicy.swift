import Foundation
import RefoldCore

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

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
