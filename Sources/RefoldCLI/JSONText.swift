import Foundation
import RefoldCore

/// JSON as the on-call commands print it: indented, keys sorted, slashes as they are.
enum JSONText {
  /// `value` indented by two spaces per level.
  static func pretty(_ value: JSONValue) -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    guard let data = try? encoder.encode(value) else { return value.canonicalString }
    return String(decoding: data, as: UTF8.self)
  }
}
