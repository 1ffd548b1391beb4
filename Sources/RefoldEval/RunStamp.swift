import Foundation

/// How runs are named and timed: sortable stamps for run ids and RFC 3339 timestamps.
public enum RunStamp {
  /// A sortable, path-safe, unique stamp for run ids: `20261126-181502-3f9a`.
  ///
  /// The random suffix keeps two runs started in the same second (CI shards, retries) apart.
  public static func stamp(_ date: Date) -> String {
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.timeZone = TimeZone(identifier: "UTC")
    formatter.dateFormat = "yyyyMMdd-HHmmss"
    let suffix = String(UInt16.random(in: 0...UInt16.max), radix: 16)
    return formatter.string(from: date) + "-" + String(repeating: "0", count: 4 - suffix.count)
      + suffix
  }

  /// An RFC 3339 UTC timestamp: `2026-11-26T18:15:02Z`.
  public static func timestamp(_ date: Date) -> String {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime]
    return formatter.string(from: date)
  }
}
