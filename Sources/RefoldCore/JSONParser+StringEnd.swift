import Foundation

extension JSONParser {
  /// The offset just past the quote that closes the JSON string whose opening quote is at
  /// `opening` among the `count` bytes at `base`; nil when no quote closes it.
  ///
  /// Nothing is checked but where the string ends: the first quote after the opening one
  /// that an even number of backslashes (none included) precede. Most strings of a line are
  /// short (keys, words) and end within a few bytes, which are looked at one by one; past
  /// those, the next quote is found with `memchr`, for the long ones (a prompt) that are
  /// most of the bytes.
  package static func stringEnd(_ base: UnsafePointer<UInt8>, count: Int, opening: Int) -> Int? {
    var index = opening + 1
    let shortEnd = min(index + 32, count)
    while index < shortEnd {
      switch base[index] {
      case UInt8(ascii: "\""):
        return index + 1
      case UInt8(ascii: "\\"):
        index += 2
      default:
        index += 1
      }
    }
    while index < count, let found = memchr(base + index, 0x22, count - index) {
      let quote = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
      var backslashes = 0
      while quote - backslashes - 1 > opening, base[quote - backslashes - 1] == 0x5C {
        backslashes += 1
      }
      if backslashes % 2 == 0 { return quote + 1 }
      index = quote + 1
    }
    return nil
  }
}
