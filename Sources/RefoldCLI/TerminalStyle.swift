import Foundation

/// How a command's text output is laid out and marked: the width its lines fit and whether
/// pass and fail are coloured.
///
/// Off a terminal lines fit ``defaultWidth`` columns and carry no escape codes; on a terminal
/// they fit its width, and pass and fail are green and red unless `NO_COLOR` is set.
struct TerminalStyle: Sendable {
  /// The width lines fit when the output is not a terminal.
  static let defaultWidth = 100

  /// The columns every line fits.
  var width: Int
  /// Whether pass and fail are coloured (ANSI escape codes).
  var colour: Bool
  /// Whether the output is a terminal.
  var isTerminal: Bool

  init(output: any CLIOutput, environment: [String: String]) {
    let terminalWidth = output.terminalWidth
    isTerminal = terminalWidth != nil
    width = max(40, terminalWidth ?? Self.defaultWidth)
    colour =
      isTerminal && (environment["NO_COLOR"] ?? "").isEmpty && environment["TERM"] != "dumb"
  }

  /// Whether the environment is a CI job (`CI` set to anything but `false` or `0`).
  static func isContinuousIntegration(_ environment: [String: String]) -> Bool {
    guard let value = environment["CI"]?.lowercased(), !value.isEmpty else { return false }
    return value != "false" && value != "0"
  }

  /// The outcomes that are coloured, and their colours.
  enum Mark {
    case pass, fail, warning

    var code: String {
      switch self {
      case .pass: "32"
      case .fail: "31"
      case .warning: "33"
      }
    }
  }

  /// `text` in the mark's colour, or as it is without colour.
  func paint(_ text: String, _ mark: Mark) -> String {
    colour ? "\u{1B}[\(mark.code)m\(text)\u{1B}[0m" : text
  }

  /// `line` with its first occurrence of `word` painted.
  func paint(_ word: String, in line: String, _ mark: Mark) -> String {
    guard colour, let range = line.range(of: word) else { return line }
    return line.replacingCharacters(in: range, with: paint(word, mark))
  }

  /// Each line of `text` wrapped at spaces to ``width`` columns.
  ///
  /// A continuation is indented two columns past its line's own indent; a word longer than
  /// the width is cut.
  func fitted(_ text: String) -> [String] {
    text.split(separator: "\n", omittingEmptySubsequences: false).flatMap { wrap(String($0)) }
  }

  private func wrap(_ line: String) -> [String] {
    guard line.count > width else { return [line] }
    let leading = line.prefix { $0 == " " }
    let indent = String(repeating: " ", count: min(leading.count + 2, width / 2))
    var lines: [String] = []
    var current = String(leading)
    for word in line.dropFirst(leading.count).split(separator: " ") {
      if current.allSatisfy({ $0 == " " }) {
        current += word
      } else if current.count + 1 + word.count <= width {
        current += " " + word
      } else {
        lines.append(current)
        current = indent + word
      }
      while current.count > width {
        lines.append(String(current.prefix(width)))
        current = indent + current.dropFirst(width)
      }
    }
    if !current.allSatisfy({ $0 == " " }) { lines.append(current) }
    return lines
  }
}
