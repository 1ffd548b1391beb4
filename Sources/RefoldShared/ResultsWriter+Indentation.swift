import Foundation
import RefoldCore

extension ResultsWriter {
  /// Appends compact JSON `input` to `output` indented as `JSONEncoder`'s `.prettyPrinted`
  /// writes it, for a value that starts `depth` levels deep.
  ///
  /// Two spaces a level, `" : "` between a key and its value, every member and element on a
  /// line of its own, an empty array or object as an opening line, an empty line and a
  /// closing line (as `JSONEncoder` writes them). Only bytes outside strings are touched:
  /// everything between two structural bytes (a string, a number, a literal) is copied as
  /// one run, and a string's end is found with `memchr`.
  static func indent(_ input: [UInt8], depth: Int, into output: inout [UInt8]) {
    input.withUnsafeBufferPointer { indent($0, depth: depth, into: &output) }
  }

  /// ``indent(_:depth:into:)`` of the bytes at `input`.
  static func indent(_ input: UnsafeBufferPointer<UInt8>, depth: Int, into output: inout [UInt8]) {
    guard let base = input.baseAddress, !input.isEmpty else { return }
    output.reserveCapacity(output.count + input.count + input.count / 2)
    let count = input.count
    var level = depth
    var index = 0
    var runStart = 0
    func copyRun(to end: Int) {
      if end > runStart {
        output.append(
          contentsOf: UnsafeBufferPointer(start: base + runStart, count: end - runStart))
      }
    }
    func newline(_ level: Int) {
      let width = level * 2
      if width < indentation.count {
        indentation.withUnsafeBufferPointer {
          output.append(contentsOf: UnsafeBufferPointer(rebasing: $0[0...width]))
        }
      } else {
        output.append(UInt8(ascii: "\n"))
        output.append(contentsOf: repeatElement(UInt8(ascii: " "), count: width))
      }
    }
    while index < count {
      switch base[index] {
      case UInt8(ascii: "\""):
        index = JSONParser.stringEnd(base, count: count, opening: index) ?? count
        continue
      case UInt8(ascii: "{"), UInt8(ascii: "["):
        copyRun(to: index + 1)
        level += 1
        let next = index + 1 < count ? base[index + 1] : 0
        if next == UInt8(ascii: "}") || next == UInt8(ascii: "]") {
          output.append(UInt8(ascii: "\n"))
        } else {
          newline(level)
        }
      case UInt8(ascii: "}"), UInt8(ascii: "]"):
        copyRun(to: index)
        level -= 1
        newline(level)
        output.append(base[index])
      case UInt8(ascii: ","):
        copyRun(to: index + 1)
        newline(level)
      case UInt8(ascii: ":"):
        copyRun(to: index)
        output.append(UInt8(ascii: " "))
        output.append(UInt8(ascii: ":"))
        output.append(UInt8(ascii: " "))
      default:
        index += 1
        continue
      }
      index += 1
      runStart = index
    }
    copyRun(to: count)
  }

  /// A line break and the spaces of the levels most values are written at.
  private static let indentation: [UInt8] = [UInt8(ascii: "\n")] + Array(repeating: 0x20, count: 64)
}
