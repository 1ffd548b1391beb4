import Crypto
import Foundation
import Synchronization

/// Signed webhooks that cannot be replayed: `X-Refold-Signature: t=<unix>,v1=<hex>`.
///
/// `v1` is the HMAC-SHA256, keyed with the shared secret's UTF-8 bytes, of
/// `"<t>.<METHOD>.<path>.<body>"`: the timestamp, the request method, the path it was sent to
/// and the raw body. A signature is refused when it is older (or further in the future) than
/// the tolerance, when it was already accepted within the tolerance, and when it was made
/// for another method or path; comparisons are constant-time. The body-only form
/// (`sha256=<hex>` of the body) is accepted only when `legacy` is set.
///
/// ```sh
/// t=$(date +%s); sig=$(printf '%s' "$t.POST./threads/deploy-042/events.$body" | openssl dgst -sha256 -hmac "$SECRET" | sed 's/^.* //')
/// curl -H "X-Refold-Signature: t=$t,v1=$sig" -d "$body" http://127.0.0.1:8080/threads/deploy-042/events
/// ```
public final class WebhookSignature: Sendable {
  /// The header that carries the signature.
  public static let header = "X-Refold-Signature"
  /// The default tolerance, in seconds.
  public static let defaultTolerance: Double = 300

  /// Why a signature was refused.
  public enum Refusal: Error, Sendable, Hashable, CustomStringConvertible {
    case missing
    case malformed
    case expired(ageSeconds: Int, toleranceSeconds: Int)
    case wrong
    case replayed
    case legacyNotAccepted

    public var description: String {
      switch self {
      case .missing:
        "missing \(WebhookSignature.header); expected t=<unix seconds>,v1=<hex HMAC-SHA256 of "
          + "\"<t>.<METHOD>.<path>.<body>\">"
      case .malformed:
        "\(WebhookSignature.header) is not t=<unix seconds>,v1=<64 hex digits>"
      case .expired(let age, let tolerance):
        "the signature's timestamp is \(age) s away from now, more than the tolerance of "
          + "\(tolerance) s; sign the request again"
      case .wrong:
        "wrong signature: it is not the HMAC-SHA256 of \"<t>.<METHOD>.<path>.<body>\" for this "
          + "method, path and body"
      case .replayed:
        "this signature was already accepted; sign each request with a fresh timestamp"
      case .legacyNotAccepted:
        "body-only signatures (sha256=<hex>) are accepted only with --legacy-signatures; sign "
          + "t=<unix seconds>,v1=<hex HMAC-SHA256 of \"<t>.<METHOD>.<path>.<body>\">"
      }
    }
  }

  private let key: SymmetricKey
  /// Seconds a signature stays valid, either side of now.
  public let tolerance: Double
  /// Whether the body-only form is accepted too.
  public let acceptsLegacy: Bool
  private let now: @Sendable () -> Date
  /// Accepted signatures (`v1` hex) and their timestamps, kept for the tolerance.
  private let seen = Mutex<[String: Int64]>([:])

  public init(
    secret: String, tolerance: Double = WebhookSignature.defaultTolerance,
    acceptsLegacy: Bool = false, now: @escaping @Sendable () -> Date = { Date() }
  ) {
    key = SymmetricKey(data: Data(secret.utf8))
    self.tolerance = tolerance
    self.acceptsLegacy = acceptsLegacy
    self.now = now
  }

  /// `t=<timestamp>,v1=<hex>` for a request.
  public func sign(method: String, path: String, body: Data, timestamp: Int64) -> String {
    "t=\(timestamp),v1="
      + Self.hex(mac(method: method, path: path, body: body, timestamp: timestamp))
  }

  /// `sha256=<hex>` of `body` alone: the legacy form.
  public func signLegacy(_ body: Data) -> String {
    "sha256=" + Self.hex(Array(HMAC<SHA256>.authenticationCode(for: body, using: key)))
  }

  /// Checks `header` for a request, and remembers an accepted signature so that it is not
  /// accepted again.
  ///
  /// - Throws: ``Refusal`` saying why the request is refused.
  public func verify(_ header: String?, method: String, path: String, body: Data)
    throws(Refusal)
  {
    guard let header = header?.trimmingCharacters(in: .whitespaces), !header.isEmpty else {
      throw .missing
    }
    if header.hasPrefix("sha256=") {
      guard acceptsLegacy else { throw .legacyNotAccepted }
      guard let provided = Self.bytes(hex: header.dropFirst("sha256=".count)),
        HMAC<SHA256>.isValidAuthenticationCode(provided, authenticating: body, using: key)
      else { throw .wrong }
      return
    }
    var timestamp: Int64?
    var signatures: [[UInt8]] = []
    for part in header.split(separator: ",") {
      let pair = part.trimmingCharacters(in: .whitespaces).split(
        separator: "=", maxSplits: 1)
      guard pair.count == 2 else { throw .malformed }
      switch pair[0] {
      case "t": timestamp = Int64(pair[1])
      case "v1":
        guard let bytes = Self.bytes(hex: pair[1]) else { throw .malformed }
        signatures.append(bytes)
      default: continue
      }
    }
    guard let timestamp, !signatures.isEmpty else { throw .malformed }
    let current = now().timeIntervalSince1970
    let age = abs(current - Double(timestamp))
    guard age <= tolerance else {
      throw .expired(ageSeconds: Int(age.rounded()), toleranceSeconds: Int(tolerance))
    }
    let message = Self.message(method: method, path: path, body: body, timestamp: timestamp)
    guard
      let valid = signatures.first(where: {
        HMAC<SHA256>.isValidAuthenticationCode($0, authenticating: message, using: key)
      })
    else { throw .wrong }
    let name = Self.hex(valid)
    let fresh = seen.withLock { seen in
      let oldest = Int64((current - tolerance).rounded(.down))
      seen = seen.filter { $0.value >= oldest }
      return seen.updateValue(timestamp, forKey: name) == nil
    }
    guard fresh else { throw .replayed }
  }

  private func mac(method: String, path: String, body: Data, timestamp: Int64) -> [UInt8] {
    let message = Self.message(method: method, path: path, body: body, timestamp: timestamp)
    return Array(HMAC<SHA256>.authenticationCode(for: message, using: key))
  }

  /// `"<t>.<METHOD>.<path>.<body>"` as bytes.
  static func message(method: String, path: String, body: Data, timestamp: Int64) -> Data {
    var message = Data("\(timestamp).\(method.uppercased()).\(path).".utf8)
    message.append(body)
    return message
  }

  static func hex(_ bytes: [UInt8]) -> String {
    bytes.map { String(format: "%02x", $0) }.joined()
  }

  static func bytes(hex: Substring) -> [UInt8]? {
    let digits = Array(hex.utf8)
    guard digits.count == 64 else { return nil }
    var bytes: [UInt8] = []
    bytes.reserveCapacity(32)
    var index = 0
    while index < digits.count {
      guard let high = value(digits[index]), let low = value(digits[index + 1]) else { return nil }
      bytes.append(high << 4 | low)
      index += 2
    }
    return bytes
  }

  private static func value(_ digit: UInt8) -> UInt8? {
    switch digit {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): return digit - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): return digit - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): return digit - UInt8(ascii: "A") + 10
    default: return nil
    }
  }
}
