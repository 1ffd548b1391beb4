import CZlib
import Foundation
import RefoldShared

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Gzip files through the system zlib: a cassette kept as `.jsonl.gz`.
///
/// A file may hold several gzip members one after another (what appending a member per
/// recorded exchange gives, and what `gzip` itself reads as one stream); each member is
/// checked by zlib (its CRC and length).
public enum GzipFile {
  /// Whether `path` names a gzip file (it ends in `.gz`).
  public static func isGzip(_ path: String) -> Bool { path.hasSuffix(".gz") }

  /// A reason a gzip file cannot be read or written.
  public struct Failure: Error, Sendable {
    public var reason: String
  }

  /// Decompresses the file open for reading at `source` and writes its bytes to the
  /// descriptor `target`, streaming; returns the number of bytes written.
  ///
  /// - Throws: ``Failure`` for a file that is not gzip, is cut short inside a member, or
  ///   fails its check, and when `target` cannot be written.
  public static func inflate(from source: Int32, to target: Int32) throws(Failure) -> Int64 {
    try inflate(from: source, to: target) { _ in true }
  }

  /// ``inflate(from:to:)``, calling `written` with the number of bytes written so far after
  /// each write; it returns false to stop, which throws ``Failure`` ("stopped").
  public static func inflate(
    from source: Int32, to target: Int32, written progress: (Int64) -> Bool
  ) throws(Failure) -> Int64 {
    var stream = z_stream()
    guard inflateInit2_(&stream, 15 + 16, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK
    else { throw Failure(reason: "zlib could not start") }
    defer { inflateEnd(&stream) }
    let chunk = 1 << 18
    var input = [UInt8](repeating: 0, count: chunk)
    var output = [UInt8](repeating: 0, count: chunk * 4)
    var written: Int64 = 0
    var inMember = false
    while true {
      let got = input.withUnsafeMutableBytes { read(source, $0.baseAddress, chunk) }
      if got < 0, errno == EINTR { continue }
      guard got >= 0 else { throw Failure(reason: String(cString: strerror(errno))) }
      if got == 0 { break }
      var consumed = 0
      while consumed < got {
        let result = try input.withUnsafeMutableBufferPointer { inBuffer throws(Failure) in
          try output.withUnsafeMutableBufferPointer { outBuffer throws(Failure) -> Int32 in
            stream.next_in = inBuffer.baseAddress.map { $0 + consumed }
            stream.avail_in = UInt32(got - consumed)
            stream.next_out = outBuffer.baseAddress
            stream.avail_out = UInt32(outBuffer.count)
            let status = CZlib.inflate(&stream, Z_NO_FLUSH)
            consumed = got - Int(stream.avail_in)
            let produced = outBuffer.count - Int(stream.avail_out)
            try writeAll(UnsafeBufferPointer(rebasing: outBuffer[..<produced]), to: target)
            written += Int64(produced)
            guard produced == 0 || progress(written) else { throw Failure(reason: "stopped") }
            return status
          }
        }
        switch result {
        case Z_OK, Z_BUF_ERROR:
          inMember = true
        case Z_STREAM_END:
          // The next member, if any, starts a new stream.
          inMember = false
          inflateReset(&stream)
        default:
          let message = stream.msg.map { String(cString: $0) } ?? "code \(result)"
          throw Failure(reason: "not a valid gzip file (\(message))")
        }
      }
    }
    if inMember { throw Failure(reason: "the gzip file is cut short") }
    return written
  }

  /// `bytes` as one complete gzip member (best compression).
  public static func deflate(_ bytes: UnsafeBufferPointer<UInt8>) throws(Failure) -> [UInt8] {
    var stream = z_stream()
    guard
      deflateInit2_(
        &stream, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY, ZLIB_VERSION,
        Int32(MemoryLayout<z_stream>.size)) == Z_OK
    else { throw Failure(reason: "zlib could not start") }
    defer { deflateEnd(&stream) }
    var result: [UInt8] = []
    var output = [UInt8](repeating: 0, count: 1 << 18)
    stream.next_in = UnsafeMutablePointer(mutating: bytes.baseAddress)
    stream.avail_in = UInt32(bytes.count)
    var status: Int32 = Z_OK
    repeat {
      output.withUnsafeMutableBufferPointer { outBuffer in
        stream.next_out = outBuffer.baseAddress
        stream.avail_out = UInt32(outBuffer.count)
        status = CZlib.deflate(&stream, Z_FINISH)
        result += outBuffer[..<(outBuffer.count - Int(stream.avail_out))]
      }
      guard status == Z_OK || status == Z_STREAM_END || status == Z_BUF_ERROR else {
        throw Failure(reason: "zlib could not compress (code \(status))")
      }
    } while status != Z_STREAM_END
    return result
  }

  /// Writes every byte of `bytes` to `descriptor`, ``AtomicFile/writeSize`` at most a call.
  static func writeAll(_ bytes: UnsafeBufferPointer<UInt8>, to descriptor: Int32) throws(Failure) {
    var done = 0
    while done < bytes.count {
      let piece = min(bytes.count - done, AtomicFile.writeSize)
      let wrote = write(descriptor, bytes.baseAddress.map { $0 + done }, piece)
      if wrote < 0, errno == EINTR { continue }
      guard wrote > 0 else { throw Failure(reason: String(cString: strerror(errno))) }
      done += wrote
    }
  }
}
