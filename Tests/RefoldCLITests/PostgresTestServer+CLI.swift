import Foundation
import RefoldPostgres
import RefoldTestSupport

extension PostgresTestServer {
  /// A `postgresql://` URL of a new, empty database on the shared server, as a user passes
  /// it to `--db`.
  static func freshDatabaseURL() throws -> String {
    guard let server = shared else {
      throw PostgresError.unreachable(host: "127.0.0.1", port: "?", reason: skipMessage)
    }
    let name = "cli_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
    let admin = try PostgresConnection(url: server.url())
    try admin.withLock { _ = try admin.query("CREATE DATABASE \(name)") }
    return "postgresql://\(server.user)@127.0.0.1:\(server.port)/\(name)"
  }
}
