import Foundation

/// Who is writing a run that is not stored yet: the mark a streaming writer leaves on its
/// run's row until it finishes, and the rule that says when such a run was abandoned.
///
/// A writer marks its run alive with every batch it writes and about once a minute while
/// idle. A pending run is abandoned (and the next writer or save on the store deletes it and
/// its rows) when its writer ran on this host and its process is gone, or when it has not
/// been marked alive for ``abandonedAfter``, wherever it ran.
public struct PendingRun: Sendable, Hashable {
  /// A token only this writer holds: its row is its own while the token is there.
  public var token: String
  /// The host the writer runs on.
  public var host: String
  /// The writer's process id.
  public var pid: Int

  /// The mark of a new writer in this process.
  public init() {
    token = UUID().uuidString.lowercased()
    host = Self.currentHost
    pid = Int(getpid())
  }

  public init(token: String, host: String, pid: Int) {
    self.token = token
    self.host = host
    self.pid = pid
  }

  /// How long a pending run may go without being marked alive before any writer removes it
  /// (ten minutes: ten times the idle writer's heartbeat).
  public static let abandonedAfter = 600

  /// Whether a pending run whose writer is `host`/`pid` and was last marked alive `age`
  /// seconds ago is abandoned.
  public static func isAbandoned(host: String?, pid: Int?, age: Int) -> Bool {
    if age >= abandonedAfter { return true }
    guard let host, let pid, host == currentHost else { return false }
    if pid == Int(getpid()) { return false }
    return !(kill(pid_t(pid), 0) == 0 || errno == EPERM)
  }

  /// This machine's host name.
  public static let currentHost: String = {
    var buffer = [CChar](repeating: 0, count: 256)
    guard gethostname(&buffer, buffer.count - 1) == 0 else { return "unknown" }
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }()
}
