/// Rows in the text format of `COPY … FROM STDIN`, built up in one byte buffer.
///
/// Columns are separated by a tab and rows end in a newline; a backslash, tab, newline or
/// carriage return inside a value is escaped, and NULL is `\N`.
struct CopyRows {
  /// The rows so far.
  private(set) var bytes: [UInt8] = []
  /// How many rows ``bytes`` holds.
  private(set) var count = 0
  private var columns = 0

  init() {
    bytes.reserveCapacity(1 << 20)
  }

  /// Ends the current row.
  mutating func endRow() {
    bytes.append(0x0A)
    count += 1
    columns = 0
  }

  /// Adds a text column (NULL when `nil`).
  mutating func add(_ value: String?) {
    separate()
    guard var value else {
      bytes.append(contentsOf: [0x5C, 0x4E])
      return
    }
    value.withUTF8 { append(escaping: $0) }
  }

  /// Adds a text column from UTF-8 bytes.
  mutating func add(utf8 value: UnsafeBufferPointer<UInt8>) {
    separate()
    append(escaping: value)
  }

  /// Adds an integer column.
  mutating func add(_ value: Int) {
    separate()
    bytes.append(contentsOf: String(value).utf8)
  }

  /// Forgets every row, keeping the buffer's capacity.
  mutating func removeAll() {
    bytes.removeAll(keepingCapacity: true)
    count = 0
    columns = 0
  }

  private mutating func separate() {
    if columns > 0 { bytes.append(0x09) }
    columns += 1
  }

  private mutating func append(escaping value: UnsafeBufferPointer<UInt8>) {
    for byte in value {
      switch byte {
      case 0x5C: bytes.append(contentsOf: [0x5C, 0x5C])
      case 0x09: bytes.append(contentsOf: [0x5C, 0x74])
      case 0x0A: bytes.append(contentsOf: [0x5C, 0x6E])
      case 0x0D: bytes.append(contentsOf: [0x5C, 0x72])
      default: bytes.append(byte)
      }
    }
  }
}
