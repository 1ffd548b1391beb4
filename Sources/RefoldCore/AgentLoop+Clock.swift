import Foundation

extension AgentLoop {
  /// `date` as RFC 3339 with milliseconds (`2025-05-01T09:00:00.000Z`), as events record it.
  public static func timestamp(_ date: Date) -> String {
    SystemClockFormatter.format(secondsSince1970: date.timeIntervalSince1970)
  }
}

/// Formats the wall clock as RFC 3339 without locale-dependent formatters.
enum SystemClockFormatter {
  /// Now, as `YYYY-MM-DDTHH:MM:SS.mmmZ`.
  static func now() -> String { format(secondsSince1970: Date().timeIntervalSince1970) }

  /// `seconds` since 1970-01-01T00:00:00Z as `YYYY-MM-DDTHH:MM:SS.mmmZ`.
  static func format(secondsSince1970 seconds: Double) -> String {
    let milliseconds = Int64((seconds * 1000).rounded(.down))
    let totalSeconds = milliseconds >= 0 ? milliseconds / 1000 : (milliseconds - 999) / 1000
    let millis = Int(milliseconds - totalSeconds * 1000)
    let days = totalSeconds >= 0 ? totalSeconds / 86_400 : (totalSeconds - 86_399) / 86_400
    let secondOfDay = Int(totalSeconds - days * 86_400)
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let dayOfEra = z - era * 146_097
    let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
    let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
    let monthPrime = (5 * dayOfYear + 2) / 153
    let day = dayOfYear - (153 * monthPrime + 2) / 5 + 1
    let month = monthPrime < 10 ? monthPrime + 3 : monthPrime - 9
    let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
    func pad(_ value: Int64, _ width: Int) -> String {
      let text = String(value)
      return String(repeating: "0", count: max(0, width - text.count)) + text
    }
    return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T"
      + "\(pad(Int64(secondOfDay / 3600), 2)):\(pad(Int64(secondOfDay / 60 % 60), 2)):"
      + "\(pad(Int64(secondOfDay % 60), 2)).\(pad(Int64(millis), 3))Z"
  }
}
