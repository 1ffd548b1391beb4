import FlyingFox
import FlyingSocks
import Foundation

/// Where a server listens: `HOST:PORT`, loopback unless told otherwise.
///
/// `127.0.0.1:8787`, `localhost:0` (any free port), `[::1]:8787`, `0.0.0.0:8787` (every
/// interface: only when asked for).
public struct ListenAddress: Sendable, Hashable, CustomStringConvertible {
  public var host: String
  public var port: UInt16

  /// The default: loopback, port 8787.
  public static let loopbackDefault = ListenAddress(host: "127.0.0.1", port: 8787)

  public init(host: String, port: UInt16) {
    self.host = host
    self.port = port
  }

  /// Parses `HOST:PORT` (`[IPv6]:PORT` for IPv6); a bare port means loopback.
  ///
  /// - Throws: ``ServerError/invalidListenAddress(_:)``.
  public init(parsing text: String) throws(ServerError) {
    if let port = UInt16(text) {
      self.init(host: "127.0.0.1", port: port)
      return
    }
    var host: Substring
    var portText: Substring
    if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
      host = text[text.index(after: text.startIndex)..<close]
      let rest = text[text.index(after: close)...]
      guard rest.hasPrefix(":") else { throw .invalidListenAddress(text) }
      portText = rest.dropFirst()
    } else {
      guard let colon = text.lastIndex(of: ":") else { throw .invalidListenAddress(text) }
      host = text[..<colon]
      portText = text[text.index(after: colon)...]
    }
    guard !host.isEmpty, let port = UInt16(portText) else { throw .invalidListenAddress(text) }
    if host == "localhost" { host = "127.0.0.1" }
    self.init(host: String(host), port: port)
  }

  public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

  /// The socket address FlyingFox binds.
  func socketAddress() throws(ServerError) -> any SocketAddress {
    do {
      if host.contains(":") { return try sockaddr_in6.inet6(ip6: host, port: port) }
      return try sockaddr_in.inet(ip4: host, port: port)
    } catch {
      throw .invalidListenAddress(description)
    }
  }
}
