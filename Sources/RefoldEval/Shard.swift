import RefoldCore

/// One slice of a suite's threads, for spreading an evaluation over CI runners
/// (`--shard K/N`).
///
/// A thread belongs to shard `index` when FNV-1a (64-bit) of its id's UTF-8 bytes modulo
/// `count` is `index - 1`: stable across processes and machines (unlike `hashValue`), so N
/// runners given the same suite split it without overlap or gaps.
public struct Shard: Sendable, Hashable, CustomStringConvertible {
  /// 1-based.
  public var index: Int
  public var count: Int

  /// - Throws: ``SuiteError/invalid(file:line:path:message:)`` unless `1 <= index <= count`.
  public init(_ index: Int, of count: Int) throws(SuiteError) {
    guard count >= 1, index >= 1, index <= count else {
      throw .invalid(
        file: "--shard", line: nil, path: "",
        message: "expected K/N with 1 <= K <= N, found \(index)/\(count)")
    }
    self.index = index
    self.count = count
  }

  /// Parses `K/N`.
  public init(parsing text: String) throws(SuiteError) {
    let parts = text.split(separator: "/")
    guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]) else {
      throw .invalid(file: "--shard", line: nil, path: "", message: "expected K/N, found \(text)")
    }
    try self.init(index, of: count)
  }

  /// Whether `thread` belongs to this shard.
  public func includes(_ thread: String) -> Bool {
    Int(Shard.fnv1a(thread) % UInt64(count)) == index - 1
  }

  public var description: String { "\(index)/\(count)" }

  /// FNV-1a, 64-bit.
  public static func fnv1a(_ text: String) -> UInt64 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in text.utf8 {
      hash ^= UInt64(byte)
      hash &*= 0x0000_0100_0000_01B3
    }
    return hash
  }
}
