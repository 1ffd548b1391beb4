import Foundation
import RefoldCore

/// A temporary file a report is built in while its run streams: bytes appended in order,
/// read back by offset or front to back, removed when the report is written or given up.
///
/// The file lives in the system's temporary directory, never in the report directory, so a
/// report given up leaves nothing there. A spool is used by one task at a time.
final class SpoolFile {
  /// Where the spool is.
  let path: String
  private let descriptor: Int32
  private var buffer: [UInt8] = []
  private var written: UInt64 = 0
  private var removed = false
  private static let flushSize = 1 << 16

  /// A new, empty spool whose name says what it holds.
  ///
  /// - Throws: ``ReportError/cannotWrite(path:reason:)`` when the file cannot be made.
  init(holding what: String) throws(ReportError) {
    path = (NSTemporaryDirectory() as NSString).appendingPathComponent(
      "refold-\(what)-\(UUID().uuidString.prefix(12)).spool")
    let descriptor = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
    guard descriptor >= 0 else {
      let reason = String(cString: strerror(errno))
      throw .cannotWrite(path: path, reason: "cannot create the spool file: \(reason)")
    }
    self.descriptor = descriptor
  }

  deinit { remove() }

  /// Bytes appended so far: the offset the next append starts at.
  var size: UInt64 { written + UInt64(buffer.count) }

  /// Appends `bytes`.
  func append(_ bytes: some Sequence<UInt8>) throws(ReportError) {
    buffer.append(contentsOf: bytes)
    if buffer.count >= Self.flushSize { try flush() }
  }

  /// Appends `value` as 8 bytes, little-endian.
  func append(integer value: Int) throws(ReportError) {
    Self.append(integer: value, to: &buffer)
    if buffer.count >= Self.flushSize { try flush() }
  }

  /// Appends `value` to `bytes` as 8 bytes, little-endian.
  static func append(integer value: Int, to bytes: inout [UInt8]) {
    var remaining = UInt64(bitPattern: Int64(value))
    for _ in 0..<8 {
      bytes.append(UInt8(truncatingIfNeeded: remaining))
      remaining >>= 8
    }
  }

  /// Writes what is buffered to the file.
  func flush() throws(ReportError) {
    guard !buffer.isEmpty else { return }
    guard !removed else { throw .cannotWrite(path: path, reason: "the spool was removed") }
    let failure = buffer.withUnsafeBytes { raw -> String? in
      guard let base = raw.baseAddress else { return nil }
      var done = 0
      while done < raw.count {
        let count = pwrite(
          descriptor, base + done, raw.count - done, off_t(written) + off_t(done))
        if count < 0 {
          if errno == EINTR { continue }
          return String(cString: strerror(errno))
        }
        done += count
      }
      return nil
    }
    if let failure { throw .cannotWrite(path: path, reason: failure) }
    written += UInt64(buffer.count)
    buffer.removeAll(keepingCapacity: true)
  }

  /// The `length` bytes at `offset` (fewer where the spool ends first).
  func read(offset: UInt64, length: Int) throws(ReportError) -> [UInt8] {
    try flush()
    guard !removed else { throw .cannotRead(path: path, reason: "the spool was removed") }
    var failure: String?
    let bytes = [UInt8](unsafeUninitializedCapacity: max(0, length)) { storage, count in
      count = 0
      guard let base = storage.baseAddress else { return }
      while count < storage.count {
        let read = pread(
          descriptor, base + count, storage.count - count,
          off_t(offset) + off_t(count))
        if read < 0 {
          if errno == EINTR { continue }
          failure = String(cString: strerror(errno))
          return
        }
        if read == 0 { return }
        count += read
      }
    }
    if let failure { throw .cannotRead(path: path, reason: failure) }
    return bytes
  }

  /// A reader of the spool from its start.
  func reader() throws(ReportError) -> Reader {
    try flush()
    return Reader(spool: self)
  }

  /// Removes the file; the spool is then empty for good.
  func remove() {
    guard !removed else { return }
    removed = true
    buffer = []
    close(descriptor)
    unlink(path)
  }

  /// Reads a spool front to back in large pieces.
  struct Reader {
    private let spool: SpoolFile
    private var window: [UInt8] = []
    private var position = 0
    private var offset: UInt64 = 0

    init(spool: SpoolFile) {
      self.spool = spool
    }

    /// The next `count` bytes.
    mutating func bytes(_ count: Int) throws(ReportError) -> ArraySlice<UInt8> {
      if window.count - position < count {
        let rest = Array(window[position...])
        let wanted = max(1 << 20, count - rest.count)
        let more = try spool.read(offset: offset, length: wanted)
        offset += UInt64(more.count)
        window = rest + more
        position = 0
        guard window.count >= count else {
          throw .cannotRead(path: spool.path, reason: "the spool file ends early")
        }
      }
      defer { position += count }
      return window[position..<(position + count)]
    }

    /// The next 8-byte integer.
    mutating func integer() throws(ReportError) -> Int {
      let slice = try bytes(8)
      var value: UInt64 = 0
      for (shift, byte) in slice.enumerated() { value |= UInt64(byte) << (8 * UInt64(shift)) }
      return Int(Int64(bitPattern: value))
    }
  }
}
