import RefoldCore
import RefoldShared

/// Inline SVG charts: rates with intervals against the 80% wall, and trends over runs.
enum Charts {
  /// One labelled rate row of ``rates(_:thresholds:)``.
  struct RateRow {
    var title: String
    var rate: Rate
    var threshold: Double?
  }

  /// Horizontal bars with Wilson whiskers on a 0–100% axis, the 80% wall and thresholds.
  static func rates(_ rows: [RateRow], width: Double = 620) -> String {
    let left = 150.0
    let right = width - 110
    let rowHeight = 40.0
    let top = 22.0
    let height = top + rowHeight * Double(rows.count) + 8
    func x(_ value: Double) -> Double { left + (right - left) * min(1, max(0, value)) }
    var svg =
      "<svg class=\"rates\" viewBox=\"0 0 \(Format.coordinate(width)) \(Format.coordinate(height))\" "
      + "role=\"img\" aria-label=\"Rates with 95% intervals\">"
    for tick in stride(from: 0.0, through: 1.0, by: 0.2) {
      let position = Format.coordinate(x(tick))
      svg += "<line class=\"grid\" x1=\"\(position)\" x2=\"\(position)\" y1=\"\(top - 4)\" "
      svg += "y2=\"\(Format.coordinate(height - 8))\"/>"
      svg += "<text class=\"tick\" x=\"\(position)\" y=\"12\" text-anchor=\"middle\">"
      svg += "\(Int((tick * 100).rounded()))%</text>"
    }
    for (index, row) in rows.enumerated() {
      let y = top + rowHeight * Double(index)
      let middle = y + rowHeight / 2
      svg += "<text class=\"label\" x=\"0\" y=\"\(Format.coordinate(middle + 4))\">"
      svg += Escaping.html(row.title) + "</text>"
      if let value = row.rate.rate {
        let failing = row.threshold.map { value < $0 } ?? false
        svg += "<rect class=\"bar\(failing ? " failing" : "")\" x=\"\(Format.coordinate(left))\" "
        svg +=
          "y=\"\(Format.coordinate(middle - 9))\" width=\"\(Format.coordinate(x(value) - left))\" "
        svg +=
          "height=\"18\" rx=\"2\"><title>\(Escaping.html(Format.rate(row.rate)))</title></rect>"
        if let low = row.rate.low, let high = row.rate.high {
          let (lowX, highX) = (Format.coordinate(x(low)), Format.coordinate(x(high)))
          let (up, down) = (Format.coordinate(middle - 13), Format.coordinate(middle + 13))
          let mid = Format.coordinate(middle)
          svg +=
            "<g class=\"whisker\"><line x1=\"\(lowX)\" x2=\"\(highX)\" y1=\"\(mid)\" y2=\"\(mid)\"/>"
          svg += "<line x1=\"\(lowX)\" x2=\"\(lowX)\" y1=\"\(up)\" y2=\"\(down)\"/>"
          svg += "<line x1=\"\(highX)\" x2=\"\(highX)\" y1=\"\(up)\" y2=\"\(down)\"/></g>"
        }
        svg += "<text class=\"value\" x=\"\(Format.coordinate(right + 8))\" "
        svg += "y=\"\(Format.coordinate(middle + 4))\">\(Format.percent(value))</text>"
      } else {
        svg += "<text class=\"value\" x=\"\(Format.coordinate(left))\" "
        svg += "y=\"\(Format.coordinate(middle + 4))\">no cases</text>"
      }
      if let threshold = row.threshold {
        let position = Format.coordinate(x(threshold))
        svg += "<line class=\"threshold\" x1=\"\(position)\" x2=\"\(position)\" "
        svg += "y1=\"\(Format.coordinate(y + 3))\" y2=\"\(Format.coordinate(y + rowHeight - 3))\">"
        svg += "<title>threshold \(Format.percent(threshold))</title></line>"
      }
    }
    let wall = Format.coordinate(x(HeadlineRate.qualityWall))
    svg += "<line class=\"wall\" x1=\"\(wall)\" x2=\"\(wall)\" y1=\"\(top - 4)\" "
    svg += "y2=\"\(Format.coordinate(height - 8))\"><title>the 80% wall</title></line>"
    svg += "</svg>"
    return svg
  }

  /// One run in a trend.
  struct TrendPoint {
    var label: String
    var date: String
    var caseRate: Rate
    var intentRate: Rate
    /// The time of day (`HH:MM`), labelled instead of a date the axis already shows.
    var time: String = ""
    /// The run the report is for, marked on the chart.
    var current: Bool = false
    /// An ad-hoc run (a shard, `--thread`, `--mode`): drawn hollow, off the lines.
    var partial: Bool = false
    /// The run's recorded scope (`suite`, `shard`, `ad_hoc`), nil for runs recorded
    /// without one; written on the point as `data-scope`.
    var scope: String? = nil
  }

  /// A line chart of case pass rate (with its Wilson band) and intent accuracy over runs.
  static func trend(_ points: [TrendPoint], threshold: Double?, width: Double = 620) -> String {
    let height = 230.0
    let (left, right, top, bottom) = (44.0, width - 16, 14.0, height - 40)
    let values =
      points.flatMap { [$0.caseRate.low, $0.intentRate.rate, $0.caseRate.rate] }
      .compactMap { $0 } + [threshold ?? 1, HeadlineRate.qualityWall]
    let floor = max(0, ((values.min() ?? 0.5) * 10).rounded(.down) / 10)
    func x(_ index: Int) -> Double {
      points.count < 2
        ? (left + right) / 2 : left + (right - left) * Double(index) / Double(points.count - 1)
    }
    func y(_ value: Double) -> Double {
      bottom - (bottom - top) * (value - floor) / max(0.0001, 1 - floor)
    }
    var svg =
      "<svg class=\"trend\" viewBox=\"0 0 \(Format.coordinate(width)) \(Format.coordinate(height))\" "
      + "role=\"img\" aria-label=\"Trend over runs\">"
    for tick in stride(from: floor, through: 1.0001, by: 0.1) {
      let position = Format.coordinate(y(tick))
      svg +=
        "<line class=\"grid\" x1=\"\(Format.coordinate(left))\" x2=\"\(Format.coordinate(right))\" "
      svg += "y1=\"\(position)\" y2=\"\(position)\"/>"
      svg +=
        "<text class=\"tick\" x=\"\(Format.coordinate(left - 6))\" y=\"\(Format.coordinate(y(tick) + 4))\" "
      svg += "text-anchor=\"end\">\(Int((tick * 100).rounded()))%</text>"
    }
    let band =
      points.enumerated().filter { !$0.element.partial }.compactMap { index, point in
        point.caseRate.high.map { "\(Format.coordinate(x(index))),\(Format.coordinate(y($0)))" }
      }
      + points.enumerated().reversed().filter { !$0.element.partial }.compactMap { index, point in
        point.caseRate.low.map { "\(Format.coordinate(x(index))),\(Format.coordinate(y($0)))" }
      }
    if band.count >= 2 {
      svg += "<polygon class=\"band\" points=\"\(band.joined(separator: " "))\"/>"
    }
    func line(_ rate: (TrendPoint) -> Rate, _ style: String) -> String {
      let coordinates = points.enumerated().filter { !$0.element.partial }.compactMap {
        index, point in
        rate(point).rate.map { "\(Format.coordinate(x(index))),\(Format.coordinate(y($0)))" }
      }
      guard !coordinates.isEmpty else { return "" }
      return "<polyline class=\"\(style)\" points=\"\(coordinates.joined(separator: " "))\"/>"
    }
    svg += line({ $0.intentRate }, "intent-line")
    svg += line({ $0.caseRate }, "case-line")
    for (index, point) in points.enumerated() {
      guard let value = point.caseRate.rate else { continue }
      let style = "point" + (point.current ? " current" : "") + (point.partial ? " partial" : "")
      let scope = point.scope.map { " data-scope=\"\(Escaping.html($0))\"" } ?? ""
      svg +=
        "<circle class=\"\(style)\"\(scope) cx=\"\(Format.coordinate(x(index)))\" cy=\"\(Format.coordinate(y(value)))\" r=\"\(point.current ? "6" : "3.5")\">"
      let kind =
        point.partial
        ? point.scope == nil
          ? " · ad-hoc run (a slice of the threads)" : " · ad-hoc run (a shard, --thread or --mode)"
        : ""
      svg +=
        "<title>\(Escaping.html("\(point.label) · \(point.date) \(point.time) · case pass \(Format.rate(point.caseRate)) · intent \(Format.percent(point.intentRate.rate))\(kind)"))</title></circle>"
      if point.current {
        let anchor =
          points.count < 2 || index == 0
          ? (points.count < 2 ? "middle" : "start") : (index == points.count - 1 ? "end" : "middle")
        svg +=
          "<text class=\"current-label\" x=\"\(Format.coordinate(x(index)))\" y=\"\(Format.coordinate(max(top + 8, y(value) - 10)))\" text-anchor=\"\(anchor)\">this run</text>"
      }
    }
    if let threshold {
      let position = Format.coordinate(y(threshold))
      svg +=
        "<line class=\"threshold\" x1=\"\(Format.coordinate(left))\" x2=\"\(Format.coordinate(right))\" "
      svg +=
        "y1=\"\(position)\" y2=\"\(position)\"><title>threshold \(Format.percent(threshold))</title></line>"
    }
    let wall = Format.coordinate(y(HeadlineRate.qualityWall))
    svg +=
      "<line class=\"wall\" x1=\"\(Format.coordinate(left))\" x2=\"\(Format.coordinate(right))\" "
    svg += "y1=\"\(wall)\" y2=\"\(wall)\"><title>the 80% wall</title></line>"
    let labelled = Set(
      points.count <= 6 ? Array(points.indices) : [0, points.count / 2, points.count - 1])
    var shownDate = ""
    for index in labelled.sorted() {
      // A date the axis already shows is labelled with the time of day instead.
      let point = points[index]
      let text = point.date != shownDate ? point.date : point.time
      shownDate = point.date
      guard !text.isEmpty else { continue }
      svg +=
        "<text class=\"tick\" x=\"\(Format.coordinate(x(index)))\" y=\"\(Format.coordinate(height - 22))\" "
      let anchor =
        points.count < 2
        ? "middle" : (index == 0 ? "start" : (index == points.count - 1 ? "end" : "middle"))
      svg += "text-anchor=\"\(anchor)\">\(Escaping.html(text))</text>"
    }
    svg +=
      "<g class=\"legend\"><line class=\"case-line\" x1=\"\(Format.coordinate(left))\" x2=\"\(Format.coordinate(left + 18))\" "
    svg += "y1=\"\(Format.coordinate(height - 6))\" y2=\"\(Format.coordinate(height - 6))\"/>"
    svg +=
      "<text x=\"\(Format.coordinate(left + 22))\" y=\"\(Format.coordinate(height - 2))\">case pass rate (95% band)</text>"
    svg +=
      "<line class=\"intent-line\" x1=\"\(Format.coordinate(left + 200))\" x2=\"\(Format.coordinate(left + 218))\" "
    svg += "y1=\"\(Format.coordinate(height - 6))\" y2=\"\(Format.coordinate(height - 6))\"/>"
    svg +=
      "<text x=\"\(Format.coordinate(left + 222))\" y=\"\(Format.coordinate(height - 2))\">intent accuracy</text>"
    svg +=
      "<line class=\"wall\" x1=\"\(Format.coordinate(left + 350))\" x2=\"\(Format.coordinate(left + 368))\" "
    svg += "y1=\"\(Format.coordinate(height - 6))\" y2=\"\(Format.coordinate(height - 6))\"/>"
    svg +=
      "<text x=\"\(Format.coordinate(left + 372))\" y=\"\(Format.coordinate(height - 2))\">80% wall</text>"
    if threshold != nil {
      svg +=
        "<line class=\"threshold\" x1=\"\(Format.coordinate(left + 450))\" x2=\"\(Format.coordinate(left + 468))\" "
      svg += "y1=\"\(Format.coordinate(height - 6))\" y2=\"\(Format.coordinate(height - 6))\"/>"
      svg +=
        "<text x=\"\(Format.coordinate(left + 472))\" y=\"\(Format.coordinate(height - 2))\">threshold</text>"
    }
    svg += "</g>"
    svg += "</svg>"
    return svg
  }
}
