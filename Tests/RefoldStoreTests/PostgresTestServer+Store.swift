import Foundation
import RefoldPostgres
import RefoldTestSupport

extension PostgresTestServer {
  /// A libpq connection string for a new, empty schema on the shared server: each test gets
  /// its own tables.
  static func freshSchema() throws -> String {
    guard let server = shared else {
      throw PostgresError.unreachable(host: "127.0.0.1", port: "?", reason: skipMessage)
    }
    let schema = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
    let admin = try PostgresConnection(url: server.url())
    try admin.withLock { _ = try admin.query("CREATE SCHEMA \(schema)") }
    return server.url() + " options='-c search_path=\(schema)'"
  }

  /// An event store on a new, empty schema of the shared server.
  static func freshEventStore() throws -> PostgresEventStore {
    try PostgresEventStore(url: freshSchema())
  }
}
