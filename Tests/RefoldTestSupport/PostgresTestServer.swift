import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A real PostgreSQL server for the tests of one test process: `initdb` into a temporary
/// folder, `pg_ctl start` on a free 127.0.0.1 port, stopped (and the folder removed) when the
/// process exits.
///
/// Started on first use. When the machine has no `initdb` and `pg_ctl` (on `PATH` or under
/// `/usr/lib/postgresql/*/bin`), or the server does not start, ``shared`` is `nil` and
/// ``unavailableReason`` says why; tests that need a server are skipped with that message.
/// As root, the server runs as the `postgres` user (PostgreSQL refuses to run as root).
///
/// ```swift
/// @Test(.enabled(if: PostgresTestServer.shared != nil, Comment(rawValue: PostgresTestServer.skipMessage)))
/// func appends() throws { let url = PostgresTestServer.shared!.url }
/// ```
public final class PostgresTestServer: Sendable {
  /// The server, or `nil` when none could be started.
  public static var shared: PostgresTestServer? { started.server }
  /// Why ``shared`` is `nil`; `nil` when it is not.
  public static var unavailableReason: String? { started.reason }
  /// The message a skipped test shows.
  public static var skipMessage: String {
    "no PostgreSQL server could be started: \(unavailableReason ?? "unknown")"
  }

  /// The port the server listens on at 127.0.0.1.
  public let port: Int
  /// The folder holding the cluster and its log.
  public let directory: String
  /// The superuser every test connects as (trust authentication on 127.0.0.1).
  public let user = "refold"

  /// A libpq connection string for `database` on this server.
  public func url(database: String = "postgres") -> String {
    "host=127.0.0.1 port=\(port) user=\(user) dbname=\(database) connect_timeout=10"
  }

  private let binaries: String
  private let runAs: String?

  private init(port: Int, directory: String, binaries: String, runAs: String?) {
    self.port = port
    self.directory = directory
    self.binaries = binaries
    self.runAs = runAs
  }

  private static let started: (server: PostgresTestServer?, reason: String?) = {
    do {
      let server = try start()
      atexit { PostgresTestServer.shared?.stop() }
      return (server, nil)
    } catch {
      let reason = "\(error)"
      FileHandle.standardError.write(Data("PostgreSQL tests skipped: \(reason)\n".utf8))
      return (nil, reason)
    }
  }()

  /// Why the server could not be started.
  struct Failure: Error, CustomStringConvertible {
    var description: String
  }

  private static func start() throws -> PostgresTestServer {
    guard let binaries = findBinaries() else {
      throw Failure(
        description:
          "initdb and pg_ctl are neither on PATH nor under /usr/lib/postgresql/*/bin "
          + "(apt-get install postgresql)")
    }
    let runAs: String? = geteuid() == 0 ? "postgres" : nil
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "refold-postgres-\(UUID().uuidString)"
    ).path
    try FileManager.default.createDirectory(
      atPath: directory, withIntermediateDirectories: true)
    if let runAs {
      guard let entry = getpwnam(runAs) else {
        throw Failure(description: "running as root, and there is no \"\(runAs)\" user")
      }
      chown(directory, entry.pointee.pw_uid, entry.pointee.pw_gid)
    }
    let port = try freePort()
    let server = PostgresTestServer(
      port: port, directory: directory, binaries: binaries, runAs: runAs)
    try server.run(
      "initdb", "-D", "\(directory)/data", "-U", "refold", "--auth=trust", "--no-sync",
      "--locale=C", "-E", "UTF8")
    try server.run(
      "pg_ctl", "-D", "\(directory)/data", "-l", "\(directory)/server.log", "-w", "-t", "30",
      "-o", "-h 127.0.0.1 -p \(port) -k \(directory) -F -c max_connections=200", "start")
    return server
  }

  /// Stops the server and removes its folder.
  func stop() {
    try? run("pg_ctl", "-D", "\(directory)/data", "-m", "immediate", "-w", "stop")
    try? FileManager.default.removeItem(atPath: directory)
  }

  private func run(_ tool: String, _ arguments: String...) throws {
    let command =
      runAs.map { ["/usr/sbin/runuser", "-u", $0, "--", "\(binaries)/\(tool)"] }
      ?? ["\(binaries)/\(tool)"]
    // Output to a file, not a pipe: the server pg_ctl starts inherits the descriptor. Spawned
    // and waited for directly, so nothing depends on a run loop of the calling thread.
    let outputPath = "\(directory)/\(tool)-\(UUID().uuidString).out"
    defer { try? FileManager.default.removeItem(atPath: outputPath) }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    posix_spawn_file_actions_adddup2(&actions, 1, 2)
    let argv = (command + arguments).map { strdup($0) } + [nil]
    defer { for argument in argv { free(argument) } }
    var pid: pid_t = 0
    let spawned = posix_spawn(&pid, command[0], &actions, nil, argv, environ)
    guard spawned == 0 else {
      throw Failure(
        description: "\(tool) could not be started: \(String(cString: strerror(spawned)))")
    }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) == -1, errno == EINTR {}
    let exited = (status & 0x7f) == 0
    let code = (status >> 8) & 0xff
    guard exited, code == 0 else {
      let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
      let last = text.split(separator: "\n").last.map(String.init) ?? ""
      throw Failure(description: "\(tool) exited with \(exited ? code : -1): \(last)")
    }
  }

  private static func findBinaries() -> String? {
    let manager = FileManager.default
    var folders = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(
      String.init)
    let versions = (try? manager.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
    folders += versions.sorted(by: >).map { "/usr/lib/postgresql/\($0)/bin" }
    for folder in folders
    where manager.isExecutableFile(atPath: "\(folder)/initdb")
      && manager.isExecutableFile(atPath: "\(folder)/pg_ctl")
    {
      // The links in /usr/local/bin point at the real folder, where `postgres` lives too.
      let real = URL(fileURLWithPath: "\(folder)/initdb").resolvingSymlinksInPath()
      return real.deletingLastPathComponent().path
    }
    return nil
  }

  /// A port nobody listens on at 127.0.0.1 (bound to port 0, read back, released).
  private static func freePort() throws -> Int {
    #if canImport(Glibc)
      let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    #else
      let descriptor = socket(AF_INET, SOCK_STREAM, 0)
    #endif
    guard descriptor >= 0 else { throw Failure(description: "socket() failed") }
    defer { close(descriptor) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
      pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
        bind(descriptor, socketAddress, length) == 0
          && getsockname(descriptor, socketAddress, &length) == 0
      }
    }
    guard bound else { throw Failure(description: "no free port on 127.0.0.1") }
    return Int(UInt16(bigEndian: address.sin_port))
  }
}
