import Foundation

/// A small file beside a database saying which process writes it (`refold import, pid 42`),
/// so that a writer that gives up waiting can say who held the lock.
///
/// The note is written when a connection first takes the write lock and removed when the
/// connection closes; a note whose process is gone (killed) is ignored.
enum WriterNote {
  /// The note's path for the database at `path`.
  static func path(for database: String) -> String { database + "-writer" }

  /// Writes `kind` and this process's id.
  static func write(_ kind: String, for database: String) {
    let text = "\(kind)\n\(getpid())\n"
    FileManager.default.createFile(atPath: path(for: database), contents: Data(text.utf8))
  }

  /// Removes the note when it is this process's.
  static func remove(for database: String) {
    guard let note = read(for: database, includingSelf: true), note.pid == getpid() else {
      return
    }
    unlink(path(for: database))
  }

  /// The other writer's kind and process id, when a live process other than this one left
  /// a note.
  static func read(for database: String, includingSelf: Bool = false) -> (
    kind: String, pid: Int32
  )? {
    guard let data = FileManager.default.contents(atPath: path(for: database)) else {
      return nil
    }
    let lines = String(decoding: data, as: UTF8.self).split(separator: "\n")
    guard lines.count >= 2, let pid = Int32(lines[1]) else { return nil }
    if !includingSelf && pid == getpid() { return nil }
    guard kill(pid, 0) == 0 || errno == EPERM else { return nil }
    return (String(lines[0]), pid)
  }
}
