/// A type's length and first and last (up to) 8 UTF-8 bytes: all of its bytes up to 16.
struct TypeKey: Hashable {
  let count: Int
  let head: UInt64
  let tail: UInt64

  /// Whether the key holds every byte, so that equal keys mean equal bytes.
  var isComplete: Bool { count <= 16 }

  @inline(__always)
  init(_ bytes: UnsafeBufferPointer<UInt8>) {
    count = bytes.count
    if count >= 8, let base = bytes.baseAddress {
      head = UnsafeRawPointer(base).loadUnaligned(as: UInt64.self)
      tail = UnsafeRawPointer(base + count - 8).loadUnaligned(as: UInt64.self)
    } else {
      var packed: UInt64 = 0
      for byte in bytes { packed = packed << 8 | UInt64(byte) }
      head = packed
      tail = 0
    }
  }

  /// Whether two byte strings with equal keys (so equal length, head and tail) are equal:
  /// compares what the key leaves out, 8 bytes at a time.
  @inline(__always)
  static func middlesEqual(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>)
    -> Bool
  {
    guard let left = a.baseAddress, let right = b.baseAddress else { return a.count == b.count }
    var offset = 8
    // The last 8 bytes are in the key; unaligned 8-byte loads stay inside both buffers.
    while offset < a.count - 8 {
      let end = min(offset, a.count - 16) + 8
      let start = end - 8
      if UnsafeRawPointer(left + start).loadUnaligned(as: UInt64.self)
        != UnsafeRawPointer(right + start).loadUnaligned(as: UInt64.self)
      {
        return false
      }
      offset = end
    }
    return true
  }
}
