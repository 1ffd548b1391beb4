import RefoldCore
import RefoldShared

/// Everything that can go wrong in RefoldStore besides the event-store contract errors.
///
/// Contract errors of an ``SQLiteEventStore`` (a version conflict, an id conflict, an unknown
/// thread) are ``EventStoreError`` values, as every `EventStore` throws them; an import turns
/// them into ``rejectedLine(file:line:reason:)`` so the message names the file and line.
public enum StoreError: RefoldError, Sendable, Hashable {
  /// SQLite refused: the database file, the (extended) result code, SQLite's message and the
  /// statement that failed.
  case sqlite(path: String, code: Int32, message: String, sql: String?)
  /// Another writer held the database's lock for longer than the busy timeout; `writer`
  /// says who, when it left a note.
  case busy(path: String, timeout: Duration, writer: String?)
  /// Lines of event JSONL that do not validate (the first few, in file order).
  case invalidLines([LineProblem])
  /// A valid line that the store refused (a `seq` or `id` conflict); nothing was imported.
  case rejectedLine(file: String, line: Int, reason: EventStoreError)
  /// A line longer than the limit (``InputLimits/maxLineBytes``); nothing was read past it.
  case lineTooLong(file: String, line: Int, limit: Int)
  /// A file given as input could not be opened or read.
  case file(path: String, reason: String)
  /// A file or directory the store writes cannot be created or written (the environment,
  /// not the input, is at fault).
  case unwritable(path: String, reason: String)
  /// A run id that is already stored (runs are never replaced).
  case runExists(String)
  /// A run being written whose rows were removed as abandoned (its writer was not seen
  /// alive for ``PendingRun/abandonedAfter`` seconds); nothing of it was stored.
  case runAbandoned(String)
  /// A stored row that no longer decodes (written by an incompatible version, or edited).
  case corruptRow(table: String, detail: String)
  /// The database was written by a newer Refold.
  case newerSchema(path: String, version: Int, supported: Int)

  /// One invalid line: where, and why.
  public struct LineProblem: Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var reason: String

    public init(file: String, line: Int, reason: String) {
      self.file = file
      self.line = line
      self.reason = reason
    }

    public var description: String { "\(file):\(line): \(reason)" }
  }

  /// The SQLite result code when this is an SQLite error.
  public var resultCode: Int32? {
    switch self {
    case .sqlite(_, let code, _, _): return code
    case .busy: return 5
    default: return nil
    }
  }

  public var description: String {
    switch self {
    case .sqlite(let path, let code, let message, let sql):
      let statement = sql.map { " while running \"\(Self.abbreviate($0))\"" } ?? ""
      return "SQLite error \(code) in \(path): \(message)\(statement)"
    case .busy(let path, let timeout, let writer):
      let who = writer.map { "another writer (\($0))" } ?? "another writer"
      return
        "the store \(path) is busy: \(who) held its lock for longer than the busy timeout of "
        + "\(Self.seconds(timeout)); wait for it to finish, or pass a longer --busy-timeout"
    case .invalidLines(let problems):
      guard let first = problems.first else { return "invalid input" }
      let more = problems.count > 1 ? " (and \(problems.count - 1) more invalid lines)" : ""
      return "\(first)\(more)"
    case .lineTooLong(let file, let line, let limit):
      return "\(file):\(line): \(InputLimits(maxLineBytes: limit).lineTooLong)"
    case .rejectedLine(let file, let line, let reason):
      return "\(file):\(line): \(reason); nothing was imported"
    case .file(let path, let reason), .unwritable(let path, let reason):
      return "\(path): \(reason)"
    case .runExists(let id):
      return "run \"\(id)\" is already stored"
    case .runAbandoned(let id):
      return
        "run \"\(id)\" was not stored: its rows were removed as abandoned while it was "
        + "being written (no sign of its writer for \(PendingRun.abandonedAfter / 60) minutes)"
    case .corruptRow(let table, let detail):
      return "a row in table \"\(table)\" does not decode: \(detail)"
    case .newerSchema(let path, let version, let supported):
      return
        "\(path) has schema version \(version), newer than the \(supported) this Refold knows"
    }
  }

  /// Invalid input exits 2; a busy, locked, full, unreadable or unwritable database or file
  /// exits 4 (``ExitStatus/environment``).
  public var exitStatus: ExitStatus {
    switch self {
    case .sqlite(_, let code, _, _):
      return Self.environmentCodes.contains(code & 0xFF) ? .environment : .invalidInput
    case .unwritable, .busy, .runAbandoned: return .environment
    case .invalidLines, .rejectedLine, .lineTooLong, .file, .runExists, .corruptRow,
      .newerSchema:
      return .invalidInput
    }
  }

  /// The lines for standard error: one per invalid input line.
  public var lines: [String] {
    if case .invalidLines(let problems) = self, !problems.isEmpty {
      return problems.map(\.description)
    }
    return [description]
  }

  /// SQLite's primary result codes that say the machine, not the input, failed: PERM (3),
  /// BUSY (5), LOCKED (6), NOMEM (7), READONLY (8), IOERR (10), FULL (13), CANTOPEN (14),
  /// PROTOCOL (15).
  static let environmentCodes: Set<Int32> = [3, 5, 6, 7, 8, 10, 13, 14, 15]

  static func seconds(_ duration: Duration) -> String {
    let seconds =
      Double(duration.components.seconds)
      + Double(duration.components.attoseconds) / 1e18
    return seconds == seconds.rounded() ? "\(Int(seconds)) s" : String(format: "%.1f s", seconds)
  }

  static func abbreviate(_ sql: String) -> String {
    let flat = sql.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    return flat.count > 80 ? String(flat.prefix(77)) + "..." : flat
  }
}
