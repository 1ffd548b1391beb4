/// One case's row of the report's data block, with the places where its details (contexts
/// and raw responses) go in or are left out once the run's detail budget is known.
///
/// The budget is spent in case order, but how much of it there is depends on the parameter
/// table, which is complete only when the run is: so each row is spooled with both forms of
/// each detail and the choice is made when the page is written.
struct HTMLRowTemplate {
  /// A stretch of the row: bytes as they are, or the detail at an index of ``slots``.
  enum Piece {
    case literal([UInt8])
    case slot(Int)
  }

  /// One detail: its size against the budget, and the row's bytes with it and without it.
  struct Slot {
    var size: Int
    var included: [UInt8]
    var omitted: [UInt8]
  }

  private(set) var pieces: [Piece] = []
  /// The details in the order they draw on the budget.
  var slots: [Slot] = []

  /// Appends bytes as they are.
  mutating func append(_ bytes: some Sequence<UInt8>) {
    if case .literal(var last)? = pieces.last {
      pieces.removeLast()
      last.append(contentsOf: bytes)
      pieces.append(.literal(last))
    } else {
      pieces.append(.literal(Array(bytes)))
    }
  }

  /// Appends the place of the detail at `index`.
  mutating func append(slot index: Int) {
    pieces.append(.slot(index))
  }

  /// Appends another template's pieces, its slots renumbered after this one's.
  mutating func append(_ other: HTMLRowTemplate) {
    let base = slots.count
    slots += other.slots
    appendPieces(of: other, slotBase: base)
  }

  /// Appends another template's pieces only, its slots numbered from `slotBase` (where its
  /// slots were put, in the order they draw on the budget).
  mutating func appendPieces(of other: HTMLRowTemplate, slotBase base: Int) {
    for piece in other.pieces {
      switch piece {
      case .literal(let bytes): append(bytes)
      case .slot(let index): append(slot: base + index)
      }
    }
  }

  /// The template as spooled: its slots, then its pieces.
  func spooled(into spool: SpoolFile) throws(ReportError) {
    try spool.append(integer: slots.count)
    for slot in slots {
      try spool.append(integer: slot.size)
      try spool.append(integer: slot.included.count)
      try spool.append(slot.included)
      try spool.append(integer: slot.omitted.count)
      try spool.append(slot.omitted)
    }
    try spool.append(integer: pieces.count)
    for piece in pieces {
      switch piece {
      case .literal(let bytes):
        try spool.append(integer: -1)
        try spool.append(integer: bytes.count)
        try spool.append(bytes)
      case .slot(let index):
        try spool.append(integer: index)
      }
    }
  }

  /// Reads a spooled template and writes the row, each detail included while `budget`
  /// lasts (in the order the details draw on it) and left out past it.
  static func writeSpooled(
    from reader: inout SpoolFile.Reader, budget: inout Int, into output: inout [UInt8]
  ) throws(ReportError) {
    var slots: [(included: ArraySlice<UInt8>, omitted: ArraySlice<UInt8>)] = []
    var chosen: [Bool] = []
    let slotCount = try reader.integer()
    for _ in 0..<slotCount {
      let size = try reader.integer()
      let included = try reader.bytes(try reader.integer())
      let omitted = try reader.bytes(try reader.integer())
      slots.append((included, omitted))
      if size <= budget {
        budget -= size
        chosen.append(true)
      } else {
        chosen.append(false)
      }
    }
    let pieceCount = try reader.integer()
    for _ in 0..<pieceCount {
      let tag = try reader.integer()
      if tag < 0 {
        output += try reader.bytes(try reader.integer())
      } else {
        output += chosen[tag] ? slots[tag].included : slots[tag].omitted
      }
    }
  }

  /// Skips a spooled template.
  static func skipSpooled(from reader: inout SpoolFile.Reader) throws(ReportError) {
    let slotCount = try reader.integer()
    for _ in 0..<slotCount {
      _ = try reader.integer()
      _ = try reader.bytes(try reader.integer())
      _ = try reader.bytes(try reader.integer())
    }
    let pieceCount = try reader.integer()
    for _ in 0..<pieceCount {
      if try reader.integer() < 0 { _ = try reader.bytes(try reader.integer()) }
    }
  }
}
