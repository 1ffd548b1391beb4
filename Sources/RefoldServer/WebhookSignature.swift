import Crypto
import Foundation

/// HMAC-SHA256 signatures of webhook bodies: `X-Refold-Signature: sha256=<hex>`.
///
/// The signature is over the raw body bytes, keyed with the shared secret's UTF-8 bytes; the
/// comparison is constant-time.
///
/// ```sh
/// sig=$(printf '%s' "$body" | openssl dgst -sha256 -hmac "$SECRET" | cut -d' ' -f2)
/// curl -H "X-Refold-Signature: sha256=$sig" -d "$body" …
/// ```
public struct WebhookSignature: Sendable {
  /// The header that carries the signature.
  public static let header = "X-Refold-Signature"

  private let key: SymmetricKey

  public init(secret: String) { key = SymmetricKey(data: Data(secret.utf8)) }

  /// `sha256=<hex>` for `body`.
  public func sign(_ body: Data) -> String {
    let mac = HMAC<SHA256>.authenticationCode(for: body, using: key)
    return "sha256=" + mac.map { String(format: "%02x", $0) }.joined()
  }

  /// Whether `header` is a valid signature of `body`.
  public func verify(_ header: String?, body: Data) -> Bool {
    guard let header, header.hasPrefix("sha256=") else { return false }
    guard let provided = Self.bytes(hex: header.dropFirst("sha256=".count)) else { return false }
    return HMAC<SHA256>.isValidAuthenticationCode(provided, authenticating: body, using: key)
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
