import Foundation
import RefoldModels

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

/// Sends a client's request to the upstream endpoint as it came, with the client's headers,
/// and hands back the upstream answer as it came: status, body and every header but the
/// hop-by-hop ones.
///
/// Credentials (`Authorization`, `x-api-key`) pass through in memory only; nothing here
/// writes anything down.
struct UpstreamForwarder: Sendable {
  /// The upstream base URL, without a trailing slash (`https://api.openai.com/v1`).
  let base: String
  let timeout: Double
  /// The transport and clock the request is sent, timed out and measured with.
  let dependencies: Dependencies

  /// Headers that describe one hop, not the request; they are never forwarded.
  static let hopHeaders: Set<String> = [
    "host", "content-length", "connection", "keep-alive", "transfer-encoding", "te",
    "trailer", "upgrade", "proxy-authorization", "proxy-connection", "accept-encoding",
    "expect",
  ]

  /// `base` without trailing slashes, when it is an http(s) URL with a host.
  ///
  /// - Throws: ``ServerError/invalidUpstream(_:)``.
  static func validated(_ base: String) throws(ServerError) -> String {
    var trimmed = base
    while trimmed.hasSuffix("/") { trimmed.removeLast() }
    guard let url = URL(string: trimmed), let scheme = url.scheme?.lowercased(),
      scheme == "http" || scheme == "https", url.host != nil
    else { throw .invalidUpstream(base) }
    return trimmed
  }

  /// Response headers that describe one hop or the transfer encoding the session already
  /// undid (`content-encoding`: the body comes back decoded); they are not passed back.
  static let hopResponseHeaders: Set<String> = [
    "connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade",
    "proxy-authenticate", "proxy-connection", "content-length", "content-encoding",
  ]

  /// The upstream's answer.
  struct Answer: Sendable {
    var status: Int
    var body: Data
    var contentType: String?
    /// The upstream's response headers, hop-by-hop ones removed, sorted by name.
    var headers: [(name: String, value: String)] = []
    /// Milliseconds from sending to the full answer.
    var latencyMilliseconds: Double
  }

  init(base: String, timeout: Double, dependencies: Dependencies) throws(ServerError) {
    self.base = try Self.validated(base)
    self.timeout = timeout
    self.dependencies = dependencies
  }

  /// Posts `body` to `base + path` with `headers` (hop-by-hop and `X-Refold-*` dropped).
  ///
  /// - Throws: the transport's error when the upstream cannot be reached or times out.
  func post(path: String, body: Data, headers: [(String, String)]) async throws -> Answer {
    try await send(method: "POST", path: path, body: body, headers: headers)
  }

  /// Sends `method` to `base + path` (a query included) with `body` and `headers`
  /// (hop-by-hop and `X-Refold-*` dropped).
  ///
  /// - Throws: the transport's error when the upstream cannot be reached or times out
  ///   (`URLError.timedOut`).
  func send(method: String, path: String, body: Data?, headers: [(String, String)])
    async throws -> Answer
  {
    guard let url = URL(string: base + path) else { throw ServerError.invalidUpstream(base) }
    var request = URLRequest(url: url)
    request.httpMethod = method
    request.httpBody = body
    for (name, value) in headers {
      let lower = name.lowercased()
      if Self.hopHeaders.contains(lower) || lower.hasPrefix("x-refold-") { continue }
      request.addValue(value, forHTTPHeaderField: name)
    }
    if body != nil, request.value(forHTTPHeaderField: "Content-Type") == nil {
      request.setValue("application/json", forHTTPHeaderField: "Content-Type")
    }
    let elapsed = dependencies.stopwatch()
    let (data, response) = try await dependencies.send(request, timeout: timeout)
    var passed: [(name: String, value: String)] = []
    for (name, value) in response.allHeaderFields {
      guard let name = name as? String, let value = value as? String,
        !Self.hopResponseHeaders.contains(name.lowercased())
      else { continue }
      passed.append((name, value))
    }
    passed.sort { $0.name.lowercased() < $1.name.lowercased() }
    return Answer(
      status: response.statusCode, body: data,
      contentType: response.value(forHTTPHeaderField: "Content-Type"), headers: passed,
      latencyMilliseconds: elapsed().milliseconds)
  }
}
