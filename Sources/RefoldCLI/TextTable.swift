/// Left-aligned columns for terminal tables, sized to their widest cell.
struct TextTable {
  var header: [String]
  var rows: [[String]] = []

  init(_ header: [String]) {
    self.header = header
  }

  mutating func append(_ row: [String]) { rows.append(row) }

  /// The table as lines, columns separated by two spaces, no trailing blanks.
  var lines: [String] {
    var widths = header.map(\.count)
    for row in rows {
      for (column, cell) in row.enumerated() where column < widths.count {
        widths[column] = max(widths[column], cell.count)
      }
    }
    return ([header] + rows).map { row in
      var line = ""
      for (column, cell) in row.enumerated() {
        if column > 0 { line += "  " }
        let isLast = column == row.count - 1
        line += isLast ? cell : cell + String(repeating: " ", count: widths[column] - cell.count)
      }
      return line
    }
  }
}

extension String {
  /// The text cut to `limit` characters, marking the cut with an ellipsis.
  func truncated(to limit: Int) -> String {
    count <= limit ? self : String(prefix(max(0, limit - 1))) + "…"
  }
}
