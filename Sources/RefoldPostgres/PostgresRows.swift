import CLibpq

/// The rows of one statement, copied out of libpq's result as text (`NULL` as `nil`).
public struct PostgresRows: Sendable, Hashable {
  /// Each row's columns in `SELECT` order.
  public var rows: [[String?]]

  init(_ result: OpaquePointer?) {
    guard let result else {
      rows = []
      return
    }
    let count = PQntuples(result)
    let columns = PQnfields(result)
    var rows: [[String?]] = []
    rows.reserveCapacity(Int(count))
    for row in 0..<count {
      var values: [String?] = []
      values.reserveCapacity(Int(columns))
      for column in 0..<columns {
        if PQgetisnull(result, row, column) == 1 {
          values.append(nil)
        } else {
          values.append(String(cString: PQgetvalue(result, row, column)))
        }
      }
      rows.append(values)
    }
    self.rows = rows
  }

  /// Whether the statement returned no row.
  public var isEmpty: Bool { rows.isEmpty }

  /// The first column of the first row as an integer, or `nil`.
  public var firstInt: Int? { rows.first?.first.flatMap { $0 }.flatMap { Int($0) } }
}
