import Foundation
import RefoldCore

/// Writes files so that readers see either the old file or the whole new one.
///
/// The bytes go to a temporary file in the same directory, are flushed to disk (`fsync`),
/// and the temporary file is renamed over the target: a crash or a full disk never leaves
/// half a file, and the rename is atomic because both names are on one file system. Every
/// file Refold writes whole goes through here: reports, `results.json`, exported event
/// files, promoted fixtures and expectations. (Cassettes and event stores are appended to,
/// never rewritten.)
///
/// ```swift
/// try AtomicFile.write(data, to: "out/report/results.json")
/// ```
public enum AtomicFile {
  /// Why a file could not be written: the environment, not the input (exit status 4).
  public struct Failure: RefoldError, Sendable, Hashable {
    /// The file or directory that could not be written.
    public var path: String
    /// What the system said.
    public var reason: String

    public init(path: String, reason: String) {
      self.path = path
      self.reason = reason
    }

    public var exitStatus: ExitStatus { .environment }
    public var description: String { "cannot write \(path): \(reason)" }
  }

  /// Writes `data` to `path`, creating its directory when it does not exist.
  ///
  /// - Throws: ``Failure`` when the directory, the temporary file or the rename fails; the
  ///   target is then unchanged.
  public static func write(_ data: Data, to path: String) throws(Failure) {
    do {
      try write(to: path) { sink in try sink(data) }
    } catch let failure as Failure {
      throw failure
    } catch {
      throw Failure(path: path, reason: "\(error)")
    }
  }

  /// Writes UTF-8 `text` to `path`; see ``write(_:to:)-(Data,_)``.
  public static func write(_ text: String, to path: String) throws(Failure) {
    try write(Data(text.utf8), to: path)
  }

  /// Writes what `body` hands to its sink, in as many pieces as it likes, to `path`.
  ///
  /// For output too large to hold in memory (an event export). An error thrown by `body`
  /// is passed on unchanged after the temporary file is removed; the target is unchanged.
  ///
  /// - Throws: ``Failure`` for a file-system failure, or what `body` threw.
  public static func write(
    to path: String, _ body: (_ sink: (Data) throws -> Void) throws -> Void
  ) throws {
    try write(to: path) { (output: Output) in
      try body { data in try output.write(data) }
    }
  }

  /// Writes what `body` hands to `output` to `path`: bytes, and ranges of other files
  /// copied by the kernel without passing through memory.
  ///
  /// - Throws: ``Failure`` for a file-system failure, or what `body` threw; the target is
  ///   then unchanged.
  public static func write(to path: String, _ body: (_ output: Output) throws -> Void) throws {
    let url = URL(fileURLWithPath: path)
    let directory = url.deletingLastPathComponent().path
    do {
      try FileManager.default.createDirectory(
        atPath: directory, withIntermediateDirectories: true)
    } catch {
      throw Failure(path: directory, reason: Self.reason(of: error))
    }
    let temporary = (directory as NSString).appendingPathComponent(
      ".\(url.lastPathComponent).\(UUID().uuidString.prefix(8)).tmp")
    let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
    guard descriptor >= 0 else { throw Failure(path: path, reason: Self.systemReason()) }
    var closed = false
    defer {
      if !closed { _ = close(descriptor) }
    }
    do {
      try body(Output(descriptor: descriptor, path: path))
      guard fsync(descriptor) == 0 else { throw Failure(path: path, reason: Self.systemReason()) }
      closed = true
      guard close(descriptor) == 0 else { throw Failure(path: path, reason: Self.systemReason()) }
      guard rename(temporary, path) == 0 else {
        throw Failure(path: path, reason: Self.systemReason())
      }
    } catch {
      unlink(temporary)
      throw error
    }
    // The rename itself lasts once the directory is flushed; a failure here loses nothing
    // that a reader could see, so it is not reported.
    let directoryDescriptor = open(directory, O_RDONLY | O_CLOEXEC)
    if directoryDescriptor >= 0 {
      _ = fsync(directoryDescriptor)
      _ = close(directoryDescriptor)
    }
  }

  /// Where the body of ``write(to:_:)-(_,(Output)->Void)`` writes, in order.
  public struct Output {
    let descriptor: Int32
    let path: String

    /// Appends `data`.
    public func write(_ data: Data) throws(Failure) {
      let written = data.withUnsafeBytes { raw in AtomicFile.writeAll(raw, to: descriptor) }
      guard written else { throw Failure(path: path, reason: AtomicFile.systemReason()) }
    }

    /// Appends `bytes`.
    public func write(_ bytes: [UInt8]) throws(Failure) {
      let written = bytes.withUnsafeBytes { raw in AtomicFile.writeAll(raw, to: descriptor) }
      guard written else { throw Failure(path: path, reason: AtomicFile.systemReason()) }
    }

    /// Appends `count` bytes of the open file `source` from `offset`, copied in the kernel
    /// (`sendfile`), or read and written where the kernel cannot.
    ///
    /// The copy goes in pieces of ``AtomicFile/copyPiece`` bytes, and after each one the
    /// kernel is asked to start writing what is copied so far to disk (Linux's
    /// `sync_file_range`), so that the flush before the rename finds most of a large file
    /// already written instead of all of it.
    ///
    /// - Parameter sourcePath: names the source in an error.
    public func copy(from source: Int32, offset: Int64, count: Int, sourcePath: String)
      throws(Failure)
    {
      var position = off_t(offset)
      var left = count
      while left > 0 {
        let sent = sendfile(descriptor, source, &position, min(left, AtomicFile.copyPiece))
        if sent > 0, count > AtomicFile.copyPiece { AtomicFile.startWriteBack(descriptor) }
        if sent < 0, errno == EINTR { continue }
        if sent < 0, errno == EINVAL || errno == ENOSYS { break }
        guard sent >= 0 else { throw Failure(path: path, reason: AtomicFile.systemReason()) }
        guard sent > 0 else {
          throw Failure(path: sourcePath, reason: "the file ended \(left) bytes early")
        }
        left -= sent
      }
      var chunk = [UInt8](repeating: 0, count: min(left, AtomicFile.writeSize))
      while left > 0 {
        let got = chunk.withUnsafeMutableBytes { raw in
          pread(source, raw.baseAddress, min(left, raw.count), position)
        }
        if got < 0, errno == EINTR { continue }
        guard got >= 0 else { throw Failure(path: sourcePath, reason: AtomicFile.systemReason()) }
        guard got > 0 else {
          throw Failure(path: sourcePath, reason: "the file ended \(left) bytes early")
        }
        try write(Array(chunk[..<got]))
        position += off_t(got)
        left -= got
      }
    }
  }

  /// The most one kernel copy of ``Output/copy(from:offset:count:sourcePath:)`` moves
  /// before the kernel is asked to start writing it to disk.
  static let copyPiece = 8 << 20

  /// Asks the kernel to start writing the dirty pages of `descriptor` to disk, without
  /// waiting for them (Linux only; elsewhere the flush before the rename does it all).
  private static func startWriteBack(_ descriptor: Int32) {
    // SYNC_FILE_RANGE_WRITE: start writing the dirty pages not already being written.
    _ = syncFileRange?(descriptor, 0, 0, 2)
  }

  /// Linux's `sync_file_range`, which Glibc declares only for `_GNU_SOURCE`; nil elsewhere.
  private static let syncFileRange: (@convention(c) (Int32, Int64, Int64, UInt32) -> Int32)? = {
    #if os(Linux)
      guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "sync_file_range") else {
        return nil
      }
      return unsafeBitCast(
        symbol, to: (@convention(c) (Int32, Int64, Int64, UInt32) -> Int32).self)
    #else
      return nil
    #endif
  }()

  /// The most one `write` call writes, here and wherever Refold streams a large file: on
  /// the Linux machines measured (ext4), a buffered write of more than 128 KiB took
  /// several times the kernel time a byte (docs/benchmarks.md).
  public static let writeSize = 1 << 16

  /// Writes all of `bytes`, `writeSize` at most a call; false with `errno` set when a
  /// write fails.
  private static func writeAll(_ bytes: UnsafeRawBufferPointer, to descriptor: Int32) -> Bool {
    guard let base = bytes.baseAddress else { return true }
    var done = 0
    while done < bytes.count {
      let wrote = systemWrite(descriptor, base + done, min(bytes.count - done, writeSize))
      if wrote < 0, errno == EINTR { continue }
      guard wrote > 0 else { return false }
      done += wrote
    }
    return true
  }

  private static func systemReason() -> String { String(cString: strerror(errno)) }

  private static func reason(of error: any Error) -> String {
    let underlying = (error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError
    if let code = underlying?.code, underlying?.domain == NSPOSIXErrorDomain {
      return String(cString: strerror(Int32(code)))
    }
    return error.localizedDescription
  }
}

/// `write(2)`, by a name that ``AtomicFile/Output``'s own `write` methods do not hide.
private func systemWrite(_ descriptor: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
  write(descriptor, bytes, count)
}
